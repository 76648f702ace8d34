"""What chefwrap's Python part would do with a run, without doing it: the reference the shims' sh front
end is held to (tests/test_front_end.py). Run as `python -IS decision_probe.py TOOL ARGS...` from sh, as a
shim runs chefwrap.shim.entry (with the front end's note of LC_CTYPE); prints JSON: {"outcome": "exec", "env": [...]} when the real tool would be
exec'd unrecorded with that environment (sorted hex entries), else {"outcome": "python"}.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from chefwrap.shim import entry, launcher  # noqa: E402
from chefwrap.shim.recording import telemetry_environment  # noqa: E402
from chefwrap.state import ci, consent


def verdict(tool, args):
    """launcher.run's decisions, in its order: bypass, the `chef telemetry` noun, `chef shell-init`, then
    the decision."""
    argv = [os.fsencode(tool)] + [os.fsencode(arg) for arg in args]
    env = entry.caller_environment()
    if ci.is_set(env.get(b"CHEFWRAP_BYPASS")):
        return exec_with(env)
    if tool == "chef" and argv[1:2] == [b"telemetry"]:
        return {"outcome": "python"}
    if launcher.is_shell_plumbing(tool, argv):
        return exec_with(env)
    recording, tool_env = launcher.decide(env)
    verdict = {"outcome": "python"} if recording else exec_with(tool_env)
    # The launcher's shortcut (it runs the tool before consent decides) must agree with consent.
    decision = consent.decide(telemetry_environment(env), interactive=True)
    verdict["shortcut"] = launcher.decided_already(env)
    verdict["asks_or_tells"] = decision.outcome == consent.ASK or decision.tell_gem
    return verdict


def exec_with(env):
    return {"outcome": "exec", "env": sorted((name + b"=" + value).hex() for name, value in env.items())}


if __name__ == "__main__":
    print(json.dumps(verdict(sys.argv[1], sys.argv[2:])))
