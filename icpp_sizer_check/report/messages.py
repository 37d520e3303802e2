"""The sentences every reporter shares, so that each format says the same thing."""

from __future__ import annotations

from icpp_sizer_check.errors import Problem
from icpp_sizer_check.render import format_mb
from icpp_sizer_check.runner import DOES_NOT_FIT, WRITTEN, ConfigResult, ModelResult
from icpp_sizer_check.sizing import Remedy, mib_to_bytes


def model_failure(config: ConfigResult, model: ModelResult) -> str:
    """Names the model, its users, threshold and shortfall (or by how much it
    does not fit at all)."""
    if model.status == DOES_NOT_FIT:
        sizing = model.sizing
        needed = sizing.tokenizer_total + sizing.weights_total + sizing.run_state_total
        short = needed - mib_to_bytes(config.memory_mib)
        fix = model.remedy
        what_to_do = (
            f"even the {config.target.name} heap cap of {fix.cap_mib} MiB is too small: "
            "shrink the model"
            if fix is not None and fix.beyond_one_canister
            else "raise canister.memory_mib or shrink the model"
        )
        return (
            f"model {model.name} does not fit: one user needs {format_mb(needed)} MB but the "
            f"canister has {config.memory_mib} MiB ({format_mb(short)} MB short); {what_to_do}"
        )
    return (
        f"model {model.name} serves {model.users} concurrent users, below its threshold "
        f"of {model.threshold} (short by {model.threshold - model.users})"
    )


def _users(count: int) -> str:
    return f"{count} user" if count == 1 else f"{count} users"


def remedy(config: ConfigResult, model: ModelResult) -> str:
    """What would meet the threshold: a shorter context, or more memory; and when
    no memory up to the heap cap is enough, what the cap allows instead."""
    fix = model.remedy
    if fix is None:
        return ""
    users = _users(fix.users)
    if fix.beyond_one_canister:
        return _beyond_one_canister(config, model, fix)
    memory = f"canister.memory_mib at least {fix.memory_mib} (now {config.memory_mib})"
    if fix.max_seq_len is None:
        sizing = model.sizing
        fixed = format_mb(sizing.tokenizer_total + sizing.weights_total)
        return (
            f"to serve {users}: no seq_len can (the tokenizer and weights alone "
            f"take {fixed} MB); {memory}"
        )
    return (
        f"to serve {users}: seq_len at most {fix.max_seq_len} "
        f"(now {model.hyperparameters.seq_len}), or {memory}"
    )


def _beyond_one_canister(config: ConfigResult, model: ModelResult, fix: Remedy) -> str:
    """No memory up to the cap serves the users: what one canister of the cap
    serves, the seq_len that would, and how many canisters would together."""
    cap = fix.cap_mib
    now = model.hyperparameters.seq_len
    one_canister = (
        f"one canister of {cap} MiB serves {_users(fix.users_at_cap)}"
        if fix.users_at_cap
        else f"one canister of {cap} MiB cannot serve a single user"
    )
    at_cap = f"canister.memory_mib {cap}"
    if fix.max_seq_len_at_cap is None:
        sizing = model.sizing
        fixed_bytes = sizing.tokenizer_total + sizing.weights_total
        why = (
            f" (the tokenizer and weights alone take {format_mb(fixed_bytes)} MB)"
            if fixed_bytes >= mib_to_bytes(cap)
            else ""
        )
        seq_len = f"no seq_len can, even at {cap} MiB{why}"
    elif config.memory_mib >= cap:
        seq_len = f"seq_len at most {fix.max_seq_len_at_cap} (now {now})"
    elif fix.max_seq_len is None:
        seq_len = f"seq_len at most {fix.max_seq_len_at_cap} (now {now}) with {at_cap}"
    else:
        seq_len = (
            f"seq_len at most {fix.max_seq_len} (now {now}), "
            f"or at most {fix.max_seq_len_at_cap} with {at_cap}"
        )
    canisters = (
        f"or spread the users over {fix.canisters} canisters of {cap} MiB"
        if fix.canisters is not None
        else f"no number of canisters can with seq_len {now}"
    )
    return (
        f"to serve {_users(fix.users)}: no canister.memory_mib up to the "
        f"{config.target.name} heap cap ({cap} MiB) is enough: {one_canister}; "
        f"{seq_len}; {canisters}"
    )


# A long list of changed cells helps nobody; the diff has the rest.
MAX_CHANGES_SHOWN = 20


def changes(config: ConfigResult) -> list[str]:
    """The changed cells and added or removed models, at most MAX_CHANGES_SHOWN."""
    lines = config.changes.lines()
    if len(lines) > MAX_CHANGES_SHOWN:
        hidden = len(lines) - MAX_CHANGES_SHOWN + 1
        lines = [*lines[: MAX_CHANGES_SHOWN - 1], f"... and {hidden} more (see the diff)"]
    return lines


def success(config: ConfigResult) -> str:
    """The one line of a config that passed: its document, and the closest call."""
    if config.document_status == WRITTEN:
        done = f"wrote {config.output_file}"
    else:
        how = f" ({config.summary})" if config.summary else ""
        done = f"{config.output_file} is up to date{how}"
    return f"{config.config_file}: {done}; {headroom(config)}"


def model_location(config: ConfigResult, model: ModelResult) -> str:
    if model.position is None:
        return config.config_file
    return f"{config.config_file}:{model.position.line}:{model.position.column}"


def headroom(config: ConfigResult) -> str:
    """The closest call among a config's models, for the success line."""
    tightest = min(config.models, key=lambda model: (model.headroom, model.users))
    return (
        f"smallest headroom: {tightest.name} serves {tightest.users} users, "
        f"threshold {tightest.threshold} (+{tightest.headroom})"
    )


def model_detail(model: ModelResult) -> str:
    """Users and threshold, and where the hyperparameters came from."""
    text = f"model {model.name}: {model.users} users, threshold {model.threshold}"
    source = model.checkpoint
    if source is None:
        return text + "; hyperparameters from the config"
    classifier = "shared classifier" if source.shared_classifier else "separate classifier"
    text += f"; hyperparameters from {source.path} ({source.format} header, {classifier})"
    changed = [
        f"{key} {source.header[key]} -> {value}"
        for key, value in source.overrides.items()
        if source.header[key] != value
    ]
    if changed:
        text += "; the config overrides " + ", ".join(changed)
    return text


def stale(config: ConfigResult) -> str:
    why = f" ({config.summary})" if config.summary else ""
    return f"{config.output_file} is stale{why}; fix it with: {config.fix_command}"


def missing(config: ConfigResult) -> str:
    return f"{config.output_file} is missing; create it with: {config.fix_command}"


def problem_text(problem: Problem) -> str:
    """A problem without its file and position, for formats that carry those apart."""
    return f"{problem.json_path}: {problem.message}" if problem.json_path else problem.message


NOTHING_WRITTEN = "nothing written: fix the errors above, then run again"
