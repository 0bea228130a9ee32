"""A Label Studio labelling config (`<View>` XML): which controls say what a result means."""

import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from datasets.importers.base import ParseError


@dataclass(frozen=True, slots=True)
class LabelConfig:
    """The parts of a labelling config that say what a result means."""

    text_field: str = "text"
    # Names of per-region Choices controls: when there are any, verdicts come from them and
    # Labels only mark claims.
    verdict_choices: frozenset[str] = frozenset()

    @property
    def labels_are_verdicts(self) -> bool:
        return not self.verdict_choices


def read_label_config(path: Path) -> LabelConfig:
    """The roles of a Label Studio `<View>` config's controls; raises ParseError."""
    try:
        # The config is a local file the operator names, not data from the network.
        root = ElementTree.parse(path).getroot()  # noqa: S314
    except (OSError, ElementTree.ParseError) as error:
        raise ParseError(
            _("%(path)s: cannot read the labelling config: %(error)s")
            % {"path": path, "error": error}
        ) from error
    text_field = "text"
    choices = set()
    for element in root.iter():
        tag = element.tag.lower()
        if tag in {"text", "hypertext"} and element.get("value", "").startswith("$"):
            text_field = element.get("value", "")[1:]
        elif tag == "choices" and element.get("perRegion", "").lower() == "true":
            choices.add(element.get("name", ""))
    return LabelConfig(text_field=text_field, verdict_choices=frozenset(choices))
