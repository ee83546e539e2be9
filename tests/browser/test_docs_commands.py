"""The slash-command table in frontend/src/lib/commands.ts and the README's list agree, both ways."""

from __future__ import annotations

import re

from tests.browser.conftest import ROOT

COMMANDS_TS = ROOT / "frontend" / "src" / "lib" / "commands.ts"
README = ROOT / "README.md"


def commands_in_table() -> set[str]:
    source = COMMANDS_TS.read_text()
    table = source[source.index("export const COMMANDS") :]
    table = table[: table.index("\n];")]
    return set(re.findall(r'^\s*(?:\{ )?name: "([a-z]+)"', table, flags=re.M))


def commands_in_readme() -> set[str]:
    return set(re.findall(r"^\| `/([a-z]+)[^`]*` \|", README.read_text(), flags=re.M))


def test_the_command_table_is_parsed() -> None:
    assert {"model", "temp", "reasoning", "system", "help", "new", "branch", "search", "stats"} <= (
        commands_in_table()
    )


def test_every_slash_command_is_documented_and_every_documented_one_exists() -> None:
    table, documented = commands_in_table(), commands_in_readme()
    assert table - documented == set(), "commands missing from the README's slash-command table"
    assert documented - table == set(), "README documents slash commands that do not exist"
