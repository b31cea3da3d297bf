"""The error codes the screening package raises (docs/api.md, "Error codes"): stable,
machine-readable, each documented; a test fails on an undocumented one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    BAD_MODEL_FILE = "bad_model_file"
    EMPTY_DATASET = "empty_dataset"
    FILE_NOT_FOUND = "file_not_found"
    IMAGES_EXTRA_MISSING = "images_extra_missing"
    IMAGE_BLANK = "image_blank"
    INDEX_VERSION = "index_version"
    INVALID_FILE = "invalid_file"
    INVALID_INDEX = "invalid_index"
    INVALID_MANIFEST = "invalid_manifest"
    INVALID_MODEL = "invalid_model"
    INVALID_TRAINING_DATA = "invalid_training_data"
    INVALID_URI = "invalid_uri"
    IO_ERROR = "io_error"
    MISSING_COLUMNS = "missing_columns"
    MISSING_EXTRA = "missing_extra"
    MODEL_DIGEST_MISMATCH = "model_digest_mismatch"
    MODEL_VERSION = "model_version"
    NO_BUCKET = "no_bucket"
    NO_DIRECTORY = "no_directory"
    NO_RING_NETWORK = "no_ring_network"
    NO_TRAINING_DATA = "no_training_data"
    OUT_NOT_DIRECTORY = "out_not_directory"
    OUT_NOT_EMPTY = "out_not_empty"
    ROW_COUNT_MISMATCH = "row_count_mismatch"
    RUN_ARGUMENTS_CHANGED = "run_arguments_changed"
    RUN_IN_PROGRESS = "run_in_progress"
    RUN_NOT_FINISHED = "run_not_finished"
    SAME_FILE = "same_file"
    SCHEMA_MISMATCH = "schema_mismatch"
    SENSE_EXTRA_MISSING = "sense_extra_missing"
    UNKNOWN_FORMAT = "unknown_format"
    UNREADABLE_INDEX = "unreadable_index"
    UNWRITABLE_OUTPUT = "unwritable_output"
