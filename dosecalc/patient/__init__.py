"""Layer 3, the patient: measurements, plausibility and the dosing weight."""
