"""chefwrap doctor names each problem with its fix, and exits non-zero while there is one."""

import pytest


def doctor(world, env=None):
    return world.chefwrap("doctor", "--shell", "bash", env=env)


def test_a_healthy_install_passes(installed):
    code, out, err = doctor(installed)
    assert code == 0, out
    assert "problem" not in out


def test_nothing_installed(world):
    code, out, err = doctor(world)
    assert code == 1
    assert "no chefwrap shims" in out and "run `chefwrap install`" in out
    assert "the chefwrap block is missing from ~/.bashrc" in out


def test_a_stale_shim(installed):
    shim = installed.shims / "kitchen"
    shim.write_bytes(shim.read_bytes().replace(b"chefwrap-shim ", b"chefwrap-shim 0.0.1 ", 1))
    code, out, err = doctor(installed)
    assert code == 1
    assert "the kitchen shim was written by another chefwrap or Python" in out
    assert "refresh" in out
    installed.install("--shell", "bash")
    assert doctor(installed)[0] == 0


def test_shims_not_first_on_path(installed):
    env = installed.env()
    env["PATH"] = f"{installed.tools}:{installed.shims}:/usr/bin:/bin"
    code, out, err = doctor(installed, env)
    assert code == 1
    assert f"`knife` runs {installed.tools / 'knife'}, not the chefwrap shim" in out
    assert "hash -r" in out


def test_a_missing_real_tool(installed):
    (installed.tools / "chef").unlink()
    code, out, err = doctor(installed)
    assert code == 1
    assert "no real chef on PATH after the shims" in out


@pytest.mark.parametrize("name", [".bashrc", ".profile"])
def test_a_missing_block(installed, name):
    installed.install("--shell", "bash")
    (installed.home / name).write_bytes(b"")
    code, out, err = doctor(installed)
    assert code == 1
    assert f"the chefwrap block is missing from ~/{name}" in out
