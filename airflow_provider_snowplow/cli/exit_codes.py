"""What ``snowplow-manifest``'s exit statuses mean: one table for the commands, --help and docs/cli.md.

Its own module, so that the commands that exit with a code and the definition that documents it
both import it, and neither imports the other.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What every subcommand's exit status means (:data:`EXIT_CODES` says it in words)."""

    OK = 0
    NOT_DONE = 1
    USAGE = 2
    AWS = 3
    ABORTED = 4
    DRIFT = 5
    UNCHANGED = 6
    INTERRUPTED = 130


# The meaning of each code, for --help and docs/cli.md (a test holds the doc's table to this).
EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "done",
    ExitCode.NOT_DONE: "pending --exit-code found no pending run, or a named run was left as it was "
    "(a conflicting record or a live claim), or a claim changed under release",
    ExitCode.USAGE: "usage error, nothing changed (a bad option, archive URL or run id, a run not in "
    "--archive-url, an archive URL without any run of the layout, a marker no run holds)",
    ExitCode.AWS: "AWS, manifest table or Airflow connection error",
    ExitCode.ABORTED: "the confirmation was declined (or stdin ended); nothing was changed",
    ExitCode.DRIFT: "verify found loaded runs that gained, lost or changed part files after loading",
    ExitCode.UNCHANGED: "nothing to change (a named run already loaded or skipped, no record to unmark, "
    "no claim to release, no run to skip before --before)",
    ExitCode.INTERRUPTED: "interrupted",
}
# What every command may exit with, besides the codes of its own in Subcommand.exit_codes.
COMMON_EXIT_CODES = (ExitCode.OK, ExitCode.USAGE, ExitCode.AWS, ExitCode.INTERRUPTED)


def exit_codes_help(codes: tuple[ExitCode, ...] = tuple(ExitCode)) -> str:
    """``exit codes: 0 done; 2 usage error...`` for ``codes``, as --help shows them."""
    return "exit codes: " + "; ".join(f"{int(code)} {EXIT_CODES[code]}" for code in sorted(codes))
