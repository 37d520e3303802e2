"""Plain text for people: one line a finding, the diff when a document is stale."""

from __future__ import annotations

from icpp_sizer_check.report import Destination
from icpp_sizer_check.report import messages as say
from icpp_sizer_check.runner import MISSING, STALE, WRITTEN, RunResult

_RESET = "\033[0m"
_STYLES = {"+++": "\033[1m", "---": "\033[1m", "@@": "\033[36m", "+": "\033[32m", "-": "\033[31m"}


def colorize_diff(diff: str) -> str:
    """ANSI colours on a unified diff: headers bold, hunks cyan, - red, + green."""
    lines = []
    for line in diff.splitlines(keepends=True):
        style = next((code for prefix, code in _STYLES.items() if line.startswith(prefix)), "")
        body = line.rstrip("\n")
        lines.append(f"{style}{body}{_RESET}{line[len(body) :]}" if style else line)
    return "".join(lines)


def report(result: RunResult, to: Destination) -> None:
    for problem in result.problems:
        print(problem, file=to.err)
    for config in result.configs:
        name, doc = config.config_file, config.output_file
        if config.document_status == STALE:
            changed = say.changes(config)
            if changed:
                print(f"{name}: what changed in {doc}:", file=to.out)
                for line in changed:
                    print(f"  {line}", file=to.out)
            to.out.write(colorize_diff(config.diff) if to.color else config.diff)
            print(f"{name}: {say.stale(config)}", file=to.out)
        elif config.document_status == MISSING:
            print(f"{name}: {say.missing(config)}", file=to.out)
        elif config.document_status == WRITTEN and not config.ok:
            print(f"{name}: wrote {doc}", file=to.out)
        if to.verbose:
            for model in config.models:
                print(
                    f"{say.model_location(config, model)}: {say.model_detail(model)}", file=to.out
                )
        for model in config.failing_models:
            print(
                f"{say.model_location(config, model)}: {say.model_failure(config, model)}",
                file=to.out,
            )
            print(f"  {say.remedy(config, model)}", file=to.out)
        if config.ok:
            print(say.success(config), file=to.out)
    if result.write_refused:
        print(say.NOTHING_WRITTEN, file=to.err)
