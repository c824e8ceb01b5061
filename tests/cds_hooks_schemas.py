"""JSON Schemas written from the CDS Hooks 3.0 specification (discovery, the response and its
cards, feedback's answer) and from FHIR R4 (OperationOutcome), narrowed to what issue 22
promises: no suggestions, no systemActions, no element null or empty."""

from __future__ import annotations

from typing import Any

import jsonschema

TEXT = {"type": "string", "minLength": 1}
CODING = {
    "type": "object",
    "required": ["system", "code", "display"],
    "properties": {"system": TEXT, "code": TEXT, "display": TEXT},
    "additionalProperties": False,
}

DISCOVERY: dict[str, Any] = {
    "type": "object",
    "required": ["services"],
    "additionalProperties": False,
    "properties": {
        "services": {
            "type": "array",
            "minItems": 2,
            "maxItems": 2,
            "items": {
                "type": "object",
                "required": ["hook", "id", "description"],
                "additionalProperties": False,
                "properties": {
                    "hook": {"enum": ["order-select", "order-sign"]},
                    "id": {"const": "dosecalc-order-check"},
                    "title": TEXT,
                    "description": TEXT,
                    "usageRequirements": TEXT,
                    "version": TEXT,
                    "prefetch": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "minLength": 1},
                    },
                },
            },
        }
    },
}

CARD: dict[str, Any] = {
    "type": "object",
    "required": ["uuid", "summary", "indicator", "source", "detail"],
    "additionalProperties": False,  # no suggestions, no selectionBehavior
    "properties": {
        "uuid": {"type": "string", "format": "uuid", "minLength": 36, "maxLength": 36},
        "summary": {"type": "string", "minLength": 1, "maxLength": 139},
        "detail": TEXT,
        "indicator": {"enum": ["info", "warning", "critical"]},
        "source": {
            "type": "object",
            "required": ["label"],
            "additionalProperties": False,
            "properties": {"label": TEXT, "url": {"type": "string", "format": "uri"}},
        },
        "overrideReasons": {"type": "array", "minItems": 1, "items": CODING},
        "links": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["label", "url", "type"],
                "additionalProperties": False,
                "properties": {
                    "label": TEXT,
                    "url": {"type": "string", "format": "uri"},
                    "type": {"const": "absolute"},
                },
            },
        },
    },
}

RESPONSE: dict[str, Any] = {
    "type": "object",
    "required": ["cards"],
    "additionalProperties": False,  # never systemActions
    "properties": {"cards": {"type": "array", "items": CARD}},
}

OPERATION_OUTCOME: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "additionalProperties": False,
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "anyOf": [{"required": ["details"]}, {"required": ["diagnostics"]}],
                "properties": {
                    "severity": {"enum": ["fatal", "error", "warning", "information"]},
                    # FHIR R4 IssueType
                    "code": {
                        "enum": [
                            *("invalid", "structure", "required", "value", "invariant"),
                            *("security", "login", "unknown", "expired", "forbidden"),
                            *("suppressed", "processing", "not-supported", "duplicate"),
                            *("multiple-matches", "not-found", "deleted", "too-long"),
                            *("code-invalid", "extension", "too-costly", "business-rule"),
                            *("conflict", "transient", "lock-error", "no-store"),
                            *("exception", "timeout", "incomplete", "throttled"),
                            "informational",
                        ]
                    },
                    "details": {
                        "type": "object",
                        "required": ["text"],
                        "properties": {"text": TEXT},
                    },
                    "diagnostics": TEXT,
                },
            },
        },
    },
}


def valid(schema: dict[str, Any], document: object) -> None:
    """Raise if ``document`` does not follow ``schema`` (formats checked too)."""
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())


def no_null_or_empty(value: object, where: str = "$") -> None:
    """No element is null, an empty string, an empty array or an empty object."""
    assert value is not None, where
    if isinstance(value, str):
        assert value.strip(), where
    elif isinstance(value, list):
        assert value, where
        for i, item in enumerate(value):
            no_null_or_empty(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        assert value, where
        for key, item in value.items():
            no_null_or_empty(item, f"{where}.{key}")
