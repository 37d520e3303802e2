"""How icpp_llama2 words a failing model, its remedy and its details, in every format."""

from __future__ import annotations

from typing import Any, NamedTuple

from icpp_sizer_check.canister import mib_to_bytes
from icpp_sizer_check.render import format_mb
from icpp_sizer_check.results import ConfigResult, ModelResult, ModelStatus
from icpp_sizer_check.runtimes.icpp_llama2.document import UNIT
from icpp_sizer_check.runtimes.icpp_llama2.models import CheckpointSource, Llama2Model
from icpp_sizer_check.runtimes.icpp_llama2.sizing import ModelSizing, Remedy
from icpp_sizer_check.runtimes.overrides import overrides_json, overrides_text


def _users(count: int) -> str:
    return f"{count} user" if count == 1 else f"{count} users"


def _beyond_one_canister(
    config: ConfigResult, values: Llama2Model, sizing: ModelSizing, fix: Remedy
) -> str:
    """No memory up to the cap serves the users: what one canister of the cap
    serves, the seq_len that would, and how many canisters would together."""
    cap = fix.cap_mib
    now = values.hyperparameters.seq_len
    one_canister = (
        f"one canister of {cap} MiB serves {_users(fix.users_at_cap)}"
        if fix.users_at_cap
        else f"one canister of {cap} MiB cannot serve a single user"
    )
    at_cap = f"canister.memory_mib {cap}"
    if fix.max_seq_len_at_cap is None:
        why = (
            f" (the tokenizer and weights alone take {format_mb(sizing.fixed_total)} {UNIT})"
            if sizing.fixed_total >= mib_to_bytes(cap)
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


def _checkpoint_json(source: CheckpointSource | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {
        "path": source.path,
        "format": source.format,
        "shared_classifier": source.shared_classifier,
        "group_size": source.group_size,
        "header": dict(source.header),
        "overrides": overrides_json(source.header, source.overrides),
    }


class Llama2Account(NamedTuple):
    """icpp_llama2's account of a sized model: its values, sizing and remedy, worded."""

    values: Llama2Model
    sizing: ModelSizing
    fix: Remedy | None  # a failing model's

    def failure(self, config: ConfigResult, model: ModelResult) -> str:
        """Names the model, its users, threshold and shortfall (or by how much it
        does not fit at all)."""
        if model.status == ModelStatus.DOES_NOT_FIT:
            needed = self.sizing.fixed_total + self.sizing.run_state_total
            short = needed - mib_to_bytes(config.memory_mib)
            what_to_do = (
                f"even the {config.target.name} heap cap of {self.fix.cap_mib} MiB is too small: "
                "shrink the model"
                if self.fix is not None and self.fix.beyond_one_canister
                else "raise canister.memory_mib or shrink the model"
            )
            return (
                f"model {model.name} does not fit: one user needs {format_mb(needed)} {UNIT} but "
                f"the canister has {config.memory_mib} MiB ({format_mb(short)} {UNIT} short); "
                f"{what_to_do}"
            )
        users, threshold = model.margin
        return (
            f"model {model.name} serves {users} concurrent users, below its threshold "
            f"of {threshold} (short by {threshold - users})"
        )

    def failure_title(self, model: ModelResult) -> str:
        if model.status == ModelStatus.DOES_NOT_FIT:
            return "Model does not fit"
        return "Too few concurrent users"

    def closest(self, model: ModelResult) -> str:
        users, threshold = model.margin
        return f"{model.name} serves {users} users, threshold {threshold} (+{model.margin.spare})"

    def remedy(self, config: ConfigResult, model: ModelResult) -> str:
        """What would meet the threshold: a shorter context, or more memory; and when
        no memory up to the heap cap is enough, what the cap allows instead."""
        if self.fix is None:
            return ""
        if self.fix.beyond_one_canister:
            return _beyond_one_canister(config, self.values, self.sizing, self.fix)
        users = _users(self.fix.users)
        memory = f"canister.memory_mib at least {self.fix.memory_mib} (now {config.memory_mib})"
        if self.fix.max_seq_len is None:
            return (
                f"to serve {users}: no seq_len can (the tokenizer and weights alone "
                f"take {format_mb(self.sizing.fixed_total)} {UNIT}); {memory}"
            )
        return (
            f"to serve {users}: seq_len at most {self.fix.max_seq_len} "
            f"(now {self.values.hyperparameters.seq_len}), or {memory}"
        )

    def detail(self, model: ModelResult) -> str:
        """Users and threshold, and where the hyperparameters came from."""
        users, threshold = model.margin
        text = f"model {model.name}: {users} users, threshold {threshold}"
        source = self.values.checkpoint
        if source is None:
            return text + "; hyperparameters from the config"
        classifier = "shared classifier" if source.shared_classifier else "separate classifier"
        text += f"; hyperparameters from {source.path} ({source.format} header, {classifier})"
        return text + overrides_text(source.header, source.overrides)

    def model_json(self, model: ModelResult) -> dict[str, Any]:
        """The keys docs/json-output.md documents for an icpp_llama2 model."""
        users, threshold = model.margin
        return {
            "users": users,
            "threshold": threshold,
            "headroom": model.margin.spare,
            "hyperparameters": self.values.hyperparameters._asdict(),
            "checkpoint": _checkpoint_json(self.values.checkpoint),
            "remedy": (
                {**self.fix._asdict(), "beyond_one_canister": self.fix.beyond_one_canister}
                if self.fix is not None
                else None
            ),
            "bytes": {
                "tokenizer": self.sizing.tokenizer_total,
                "weights": self.sizing.weights_total,
                "run_state_per_user": self.sizing.run_state_total,
                "overall": self.sizing.overall_total,
            },
        }
