"""Documentation that cannot drift: the README's CLI reference is what the commands' --help
say, and every command, canned query and check is documented."""

from __future__ import annotations

from conftest import REPO

from kg import resources
from kg.cli import doc as clidoc
from kg.cli import main


def readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def test_the_cli_reference_matches_the_commands_help():
    text = readme()
    assert clidoc.START in text, "the README has no generated CLI reference"
    assert clidoc.update(text) == text, "run: python -m kg.cli.doc --write README.md"


def test_every_command_has_help_and_a_readme_section():
    text = readme()
    for name, command in main.commands.items():
        assert command.help, f"kg {name} has no help text"
        assert f"### `kg {name}`" in text


def test_every_canned_query_is_in_the_readme():
    text = readme()
    for path in resources.queries_dir().glob("*.rq"):
        assert path.stem in text, f"{path.stem} is not mentioned in the README"
