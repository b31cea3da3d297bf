"""The error codes the cli package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    IMAGE_LOW_QUALITY = "image_low_quality"
    INVALID_APPEAL_DECISION = "invalid_appeal_decision"
    INVALID_CASE = "invalid_case"
    INVALID_DATE = "invalid_date"
    INVALID_DECISION = "invalid_decision"
    INVALID_ENGINE = "invalid_engine"
    INVALID_JSON = "invalid_json"
    INVALID_KEYS = "invalid_keys"
    INVALID_LOT = "invalid_lot"
    INVALID_OPTION = "invalid_option"
    INVALID_PRODUCT = "invalid_product"
    INVALID_ROLE = "invalid_role"
    INVALID_STATUS = "invalid_status"
    INVALID_TIME = "invalid_time"
    INVALID_URI = "invalid_uri"
    NO_DATABASE = "no_database"
    NO_DIRECTORY = "no_directory"
    NO_FILE = "no_file"
    NO_TRAINING_DATA = "no_training_data"
    SCHEMA_DRIFT = "schema_drift"
    UNKNOWN_LICENCE = "unknown_licence"
    UNWRITABLE_OUTPUT = "unwritable_output"
    VISION_TRAIN_EXTRA_MISSING = "vision_train_extra_missing"
