"""Turn a :class:`RunResult` into what a person reads. The only module that prints."""

from __future__ import annotations

from typing import Callable, Dict, TextIO

from icpp_sizer_check.render import format_mb
from icpp_sizer_check.runner import (
    DOES_NOT_FIT,
    MISSING,
    STALE,
    WRITTEN,
    ConfigResult,
    ModelResult,
    RunResult,
)
from icpp_sizer_check.sizing import mib_to_bytes

Reporter = Callable[[RunResult, TextIO, TextIO], None]


def _where(config: ConfigResult, model: ModelResult) -> str:
    if model.position is None:
        return config.config_file
    return f"{config.config_file}:{model.position.line}:{model.position.column}"


def model_failure_line(config: ConfigResult, model: ModelResult) -> str:
    """One line naming the config, the model, its users, threshold and shortfall."""
    if model.status == DOES_NOT_FIT:
        sizing = model.sizing
        needed = sizing.tokenizer_total + sizing.weights_total + sizing.run_state_total
        short = needed - mib_to_bytes(config.memory_mib)
        return (
            f"{_where(config, model)}: model {model.name} does not fit: one user needs "
            f"{format_mb(needed)} MB but the canister has {config.memory_mib} MiB "
            f"({format_mb(short)} MB short); raise canister.memory_mib or shrink the model"
        )
    return (
        f"{_where(config, model)}: model {model.name} serves {model.users} concurrent "
        f"users, below its threshold of {model.threshold} "
        f"(short by {model.threshold - model.users})"
    )


def headroom_line(config: ConfigResult) -> str:
    """The closest call among a config's models, for the success line."""
    tightest = min(config.models, key=lambda model: (model.headroom, model.users))
    return (
        f"smallest headroom: {tightest.name} serves {tightest.users} users, "
        f"threshold {tightest.threshold} (+{tightest.headroom})"
    )


def report_text(result: RunResult, out: TextIO, err: TextIO) -> None:
    for problem in result.problems:
        print(f"{problem}", file=err)
    for config in result.configs:
        name, doc = config.config_file, config.output_file
        if config.document_status == STALE:
            out.write(config.diff)
            why = f" ({config.summary})" if config.summary else ""
            print(f"{name}: {doc} is stale{why}; fix it with: {config.fix_command}", file=out)
        elif config.document_status == MISSING:
            print(f"{name}: {doc} is missing; create it with: {config.fix_command}", file=out)
        elif config.document_status == WRITTEN and not config.ok:
            print(f"{name}: wrote {doc}", file=out)
        for model in config.failing_models:
            print(model_failure_line(config, model), file=out)
        if config.ok:
            done = f"wrote {doc}" if config.document_status == WRITTEN else f"{doc} is up to date"
            print(f"{name}: {done}; {headroom_line(config)}", file=out)
    if result.write and result.problems:
        print("nothing written: fix the errors above, then run again", file=err)
    if not result.configs and not result.problems:
        print("no configs checked", file=err)


REPORTERS: Dict[str, Reporter] = {"text": report_text}
