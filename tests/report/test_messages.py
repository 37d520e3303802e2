from __future__ import annotations

from icpp_sizer_check.canister import WASM64
from icpp_sizer_check.compare import DocumentStatus
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.runtimes.icpp_llama2.messages import Llama2Account
from tests.fixtures import STORIES_110M
from tests.report.results import config_result, stale_at_512


def test_headroom_names_the_tightest_model() -> None:
    config = config_result()
    assert say.headroom(config) == "smallest headroom: 110M serves 35 users, threshold 1 (+34)"


def test_threshold_failure() -> None:
    config = config_result(thresholds={"110M": 40})
    (failing,) = config.failing_models
    assert say.model_location(config, failing) == "configs/icpp_llama2.yaml:35:5"
    assert say.model_failure(config, failing) == (
        "model 110M serves 35 concurrent users, below its threshold of 40 (short by 5)"
    )


def test_does_not_fit_says_by_how_much() -> None:
    config = config_result(memory_mib=500)
    (failing,) = config.failing_models
    assert say.model_failure(config, failing) == (
        "model 110M does not fit: one user needs 584.02 MB but the canister has 500 MiB "
        "(84.02 MB short); raise canister.memory_mib or shrink the model"
    )


def test_stale_and_missing_name_the_fix() -> None:
    assert say.stale(stale_at_512()) == (
        "configs/README_icpp_llama2_resource_requirements.md is stale; "
        "fix it with: icpp-sizer-check --write --config configs/icpp_llama2.yaml"
    )
    assert say.missing(config_result(DocumentStatus.MISSING)) == (
        "configs/README_icpp_llama2_resource_requirements.md is missing; "
        "create it with: icpp-sizer-check --write --config configs/icpp_llama2.yaml"
    )


def test_within_the_cap_the_memory_remedy_is_unchanged() -> None:
    config = config_result(thresholds={"110M": 40})
    (failing,) = config.failing_models
    assert say.remedy(config, failing) == (
        "to serve 40 users: seq_len at most 907 (now 1024), "
        "or canister.memory_mib at least 3400 (now 3072)"
    )


def test_beyond_the_wasm32_cap_no_memory_is_suggested() -> None:
    # 100 users of 110M would need 7733 MiB, more than a wasm32 heap can hold.
    config = config_result(thresholds={"42M": 100, "110M": 100})
    last = config.failing_models[-1]
    assert last.name == "110M"
    assert say.remedy(config, last) == (
        "to serve 100 users: no canister.memory_mib up to the wasm32 heap cap (4096 MiB) "
        "is enough: one canister of 4096 MiB serves 49 users; seq_len at most 361 "
        "(now 1024), or at most 507 with canister.memory_mib 4096; or spread the users "
        "over 3 canisters of 4096 MiB"
    )
    assert "7733" not in say.remedy(config, last)


def test_beyond_the_wasm64_cap_at_the_cap() -> None:
    config = config_result(memory_mib=6144, target=WASM64, thresholds={"110M": 100})
    last = config.failing_models[-1]
    # At the cap already: one seq_len to offer, no memory to raise.
    assert say.remedy(config, last) == (
        "to serve 100 users: no canister.memory_mib up to the wasm64 heap cap (6144 MiB) "
        "is enough: one canister of 6144 MiB serves 78 users; seq_len at most 798 "
        "(now 1024); or spread the users over 2 canisters of 6144 MiB"
    )


def test_a_model_no_canister_holds_is_told_to_shrink() -> None:
    seven_b = STORIES_110M._replace(dim=4096, n_layers=32, n_heads=32, n_kv_heads=32)
    config = config_result(changed={"110M": seven_b})
    (failing,) = config.failing_models
    assert say.model_failure(config, failing).endswith(
        "; even the wasm32 heap cap of 4096 MiB is too small: shrink the model"
    )
    assert say.remedy(config, failing) == (
        "to serve 1 user: no canister.memory_mib up to the wasm32 heap cap (4096 MiB) is "
        "enough: one canister of 4096 MiB cannot serve a single user; no seq_len can, even "
        "at 4096 MiB (the tokenizer and weights alone take 12265.26 MB); no number of "
        "canisters can with seq_len 1024"
    )


def test_a_context_too_long_for_any_canister_offers_a_shorter_one() -> None:
    config = config_result(changed={"110M": STORIES_110M._replace(seq_len=100000)})
    (failing,) = config.failing_models
    assert failing.name == "110M"
    text = say.remedy(config, failing)
    assert text.startswith(
        "to serve 1 user: no canister.memory_mib up to the wasm32 heap cap (4096 MiB) is "
        "enough: one canister of 4096 MiB cannot serve a single user; seq_len at most "
    )
    assert text.endswith("; no number of canisters can with seq_len 100000")
    assert isinstance(failing.account, Llama2Account)
    fix = failing.account.fix
    assert fix is not None and fix.max_seq_len is not None and fix.max_seq_len_at_cap
    assert f"at most {fix.max_seq_len} (now 100000), or at most {fix.max_seq_len_at_cap} " in text
