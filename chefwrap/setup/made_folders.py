"""Folders install had to make outside chefwrap's home (~/.config/fish/conf.d, say): uninstall removes
them again once they are empty, so the home looks as it did before."""

import os
from pathlib import Path

from chefwrap import files
from chefwrap.paths import Locations


def remember(locations: Locations, folders: list) -> None:
    folders = [Path(folder) for folder in folders]
    outside = [folder for folder in folders if locations.chefwrap_home not in (folder, *folder.parents)]
    if not outside:
        return
    known = recalled(locations)
    lines = [os.fsencode(folder) for folder in known + [f for f in outside if f not in known]]
    files.write_atomically(locations.made_folders_record, b"\n".join(lines) + b"\n")


def recalled(locations: Locations) -> list:
    try:
        content = locations.made_folders_record.read_bytes()
    except OSError:
        return []
    return [Path(os.fsdecode(line)) for line in content.splitlines() if line]


def remove_empty(locations: Locations) -> list:
    """Remove the remembered folders that are empty now, deepest first, then the record; returns the
    record when it cannot be removed (a damaged one, say), for the summary."""
    for folder in sorted(recalled(locations), key=lambda folder: len(folder.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: something of the user's is in it
    try:
        files.remove(locations.made_folders_record)
    except OSError:
        return [locations.made_folders_record]
    return []
