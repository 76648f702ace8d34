"""The one question: share anonymous usage data? Asked once per host and user, on the terminal.

Run by a shim as `python -m chefwrap.shim.prompt`, with stdout on /dev/null: the question goes to the
terminal through stderr. Exit 0: agreed (for the endpoint the question named: Chef's in ~/.chef, where
every Chef tool reads it, any other in chefwrap's settings), 1: declined (in ~/.chef), 3: no answer (a time-out, Ctrl-C, no usable terminal): nothing is recorded, nothing is
sent this time, and the next interactive run asks again.
"""

import asyncio
import os
import sys

from chefwrap import paths
from chefwrap.state import consent, disclosure, settings

NO_ANSWER = 3
TIMEOUT = float(disclosure.WAIT_SECONDS)


def ask(timeout: float, text: str):
    """True or False; raises on a time-out, Ctrl-C, or a terminal prompt_toolkit cannot use."""
    import questionary
    from prompt_toolkit.input import create_input
    from prompt_toolkit.output import create_output

    question = questionary.confirm(text, default=True, output=create_output(stdout=sys.stderr), input=create_input(sys.stdin))
    application = question.application

    def give_up_after_timeout():
        def time_out():
            if application.is_running:
                application.exit(exception=TimeoutError())

        asyncio.get_running_loop().call_later(timeout, time_out)

    return application.run(pre_run=give_up_after_timeout)


def notice(share: bool) -> str:
    if share:
        return (
            "chefwrap: data sharing is on. See what is sent with `chefwrap telemetry show`; "
            "turn it off with `chefwrap telemetry disable` or CHEF_TELEMETRY_OPT_OUT=1."
        )
    return "chefwrap: data sharing is off; nothing is recorded or sent. Turn it on with `chefwrap telemetry enable`."


def main() -> int:
    variables = dict(os.environ)
    try:
        timeout = float(variables.get("CHEFWRAP_PROMPT_TIMEOUT") or TIMEOUT)
    except ValueError:
        timeout = TIMEOUT
    endpoint = settings.endpoint(variables)
    try:
        share = ask(timeout, disclosure.question(endpoint))
    except (KeyboardInterrupt, TimeoutError):
        print("\nchefwrap: no answer: nothing is recorded or sent this time; the next run asks again.", file=sys.stderr)
        return NO_ANSWER
    except Exception as problem:  # noqa: BLE001 - any terminal prompt_toolkit cannot drive means no answer; the tool runs
        print(f"chefwrap: could not ask about data sharing ({type(problem).__name__}); nothing is recorded or sent.", file=sys.stderr)
        return NO_ANSWER
    if share is None:
        return NO_ANSWER
    try:
        consent.record_decision(variables, share, endpoint)  # a yes is for the endpoint the question named
        url, source = settings.configured_endpoint(variables)
        if share and source == "CHEF_TELEMETRY_ENDPOINT":
            # The question named this endpoint: the answer is for it, also once the variable is gone.
            settings.write(variables, endpoint=url)
        elif not os.path.exists(paths.settings_file(variables)):
            settings.write(variables)
    except OSError as problem:
        print(f"chefwrap: could not record your answer ({problem.strerror}); you may be asked again.", file=sys.stderr)
    print(notice(share), file=sys.stderr)
    return consent.AGREED if share else consent.DECLINED


if __name__ == "__main__":
    sys.exit(main())
