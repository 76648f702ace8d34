"""Context files that cost a parser dearly: what a hostile or careless repository can hold."""


def merge_key_bomb(copies=15, levels=6) -> bytes:
    """A kitchen.yml of about 600 bytes whose YAML merge keys (`<<: [*a1, *a1, ...]`) PyYAML before 6.0.4
    expands exponentially: minutes of CPU and hundreds of megabytes."""
    lines = ["driver:", "  name: vagrant", "a0: &a0 {k0: 0, k1: 1, k2: 2, k3: 3}"]
    for level in range(1, levels + 1):
        lines += [f"a{level}: &a{level}", f"  <<: [{', '.join([f'*a{level - 1}'] * copies)}]"]
    return ("\n".join(lines) + "\n").encode()


def deep_brackets(depth=40_000) -> bytes:
    """`platforms:` and 40,000 nested flow sequences (80 KB): PyYAML's C parser before 6.0.4 overflows its
    stack on it (SIGSEGV)."""
    return b"driver:\n  name: vagrant\nplatforms: " + b"[" * depth + b"]" * depth + b"\n"


def slow_kitchen_yml() -> bytes:
    """A kitchen.yml under the 1 MiB cap whose loading takes seconds (PyYAML builds some 34,000 entries
    in Python): far past the 200 ms budget on any machine."""
    entries = "".join(f"k{number}: {{a: [1, 2, {{b: c}}]}}\n" for number in range(34000))
    data = f"driver:\n  name: vagrant\n{entries}".encode()
    assert len(data) < 1024 * 1024
    return data
