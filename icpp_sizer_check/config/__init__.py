"""Configs, stage by stage: read (size cap, decoding) -> YAML with positions ->
schema -> rules (on schema-valid parts) -> typed values.

Import the stage you need; this package imports nothing on its own, so that a
run that never loads a config never pays for YAML or JSON Schema.
"""
