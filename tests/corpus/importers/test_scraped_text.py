from datetime import date

import pytest

from corpus.importers.base import ArticleDraft, ParseError
from corpus.importers.scraped_text import parse_scraped_text
from corpus.text import canonical_body
from tests.paths import SEEDS

GLOBAL_RESEARCH_CHROME = [
    "Translate Website",
    "Newsletter",
    "Instagram",
    "share buttons",
    "originally published",
    "Featured image",
    "Copyright",
    "original source",
    "Become a Member",
    "About the author",
    "Disclaimer",
    "media inquiries",
    "Region:",
    "Theme:",
]


def seed(prefix: str) -> ArticleDraft:
    """The draft parsed from the seed file whose name starts with `prefix`."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return parse_scraped_text(path.read_text(encoding="utf-8"), origin=path.name)


def paragraphs(draft: ArticleDraft) -> list[str]:
    return draft.body.split("\n\n")


@pytest.mark.parametrize(
    ("prefix", "title", "subtitle", "authors", "publisher", "published_on"),
    [
        (
            "000",
            "The Biden-Putin “Virtual Summit”: What Prospects For Peace? A Review",
            "Put an End to the Undeclared Missile Crisis",
            ("Andrew Korybko",),
            "Global Research",
            date(2021, 12, 7),
        ),
        (
            "001",
            "The Putin-Biden Summit: A Mutual Will to Improve US-Russia Relations?",
            "",
            ("Andrew Korybko",),
            "Global Research",
            date(2021, 6, 17),
        ),
        (
            "002",
            "Putin and Biden to speak again Thursday in hastily-arranged call",
            "",
            ("Chris Lange",),
            "FISM News",
            None,
        ),
        (
            "003",
            "Tuesday’s Biden-Putin Phone Call Could Determine Ukraine’s Future",
            "",
            (),
            "",
            None,
        ),
        ("004", "Biden Putin", "", (), "", None),
    ],
)
def test_metadata_seed(prefix, title, subtitle, authors, publisher, published_on):
    draft = seed(prefix)
    assert draft.title == title
    assert draft.subtitle == subtitle
    assert draft.authors == authors
    assert draft.publisher == publisher
    assert draft.published_on == published_on


@pytest.mark.parametrize(
    ("prefix", "first_start", "last_start"),
    [
        (
            "000",
            "Tuesday’s virtual meeting between Russian President Vladimir Putin",
            "In other words, an unprecedentedly dangerous foreign policy faction",
        ),
        (
            "001",
            "The highly anticipated Putin-Biden Summit",
            "Speculation aside, there's no question",
        ),
        (
            "002",
            "President Biden and Russian President Vladimir Putin will hold a second call",
            "FISM previously reported",
        ),
        (
            "003",
            "Vladimir Putin and Joe Biden are set to hold a video conference",
            "Putin is hoping Biden approaches",
        ),
        (
            "004",
            "WILMINGTON, Del. — Presidents Joe Biden and Vladimir Putin spoke, Thursday, amid"
            " growing alarm over Russia’s troop buildup near Ukraine",
            "“The goal of the conversation is clear — to continue discussing",
        ),
    ],
)
def test_body_keeps_first_and_last_paragraph_seed(prefix, first_start, last_start):
    body = paragraphs(seed(prefix))
    assert body[0].startswith(first_start)
    assert body[-1].startswith(last_start)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_body_is_canonical_seed(prefix):
    draft = seed(prefix)
    assert canonical_body(draft.body) == draft.body
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs(draft))
    assert "\u00a0" not in draft.body
    assert "  " not in draft.body


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_draft_keeps_raw_text_and_origin_seed(prefix):
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    raw = path.read_text(encoding="utf-8")
    draft = parse_scraped_text(raw, origin=path.name)
    assert draft.raw_text == raw
    assert draft.origin == path.name


@pytest.mark.parametrize(
    ("prefix", "absent"),
    [
        ("000", [*GLOBAL_RESEARCH_CHROME, "(#)", "[", "](", "*", "\\"]),
        ("001", GLOBAL_RESEARCH_CHROME),
        ("002", ["mcardinal", "Chris Lange, FISM News"]),
        (
            "003",
            ["thoughts on", "Leave a Reply", "WordPress", "Twitter", "commenting", "Connecting to"],
        ),
        (
            "004",
            [
                "Red Square",
                "AP Photo",
                "comment",
                "Jimzan",
                "Welcome to the discussion",
                "Keep it Clean",
                "Report",
                "APTOPIX",
            ],
        ),
    ],
)
def test_body_drops_chrome_seed(prefix, absent):
    body = seed(prefix).body
    assert [text for text in absent if text in body] == []


def test_body_removes_markup_seed_000():
    body = paragraphs(seed("000"))
    assert body[0].endswith("these two countries’ leaders in decades.")
    assert "Towards A Second Missile Crisis" in body
    assert "Russia's Hypersonic Breakthrough" in body
    assert "Concluding Thoughts" in body
    assert "“Operation Storm 2.0”?" in body
    assert any(p.startswith("Russia will not “invade” Ukraine, but") for p in body)


def test_body_joins_split_sentences_seed_000():
    body = seed("000").body
    assert "reunified Germany just for the sake of it, but" in body
    assert "in the case of hypersonic systems.” Foreign Ministry" in body
    assert "respect Russia’s legitimate regional security interests" in body
    assert not any(
        p.startswith(("for the sake", "systems.", "regional")) for p in paragraphs(seed("000"))
    )


def test_body_joins_split_sentences_seed_001():
    body = paragraphs(seed("001"))
    assert body[3].endswith(
        "take some time to make progress on the Russian front, if it happens at all."
    )
    assert len(body) == 7


def test_body_ends_before_comments_seed():
    assert seed("002").body.endswith("Crimea peninsula in 2014.")
    assert seed("003").body.endswith("in Europe and around the world.")
    assert paragraphs(seed("004"))[-1].endswith("Moscow’s demand for security guarantees.")


def test_body_folds_nbsp_seed_003():
    body = seed("003").body
    assert "at the mercy of Russia. Biden has warned of ‘serious consequences’" in body


def test_body_folds_nbsp_seed_004():
    assert (
        "amid growing alarm over Russia’s troop buildup near Ukraine, a simmering"
        in seed("004").body
    )


MADE_UP_PAGE = """\
## Harbour Council Approves New Ferry Contract

Two bids were received, one was late

By [Maria Lopez](https://example.org/author/maria) and Tom Reed

Coastal Courier, March 3, 2023

Tags: [Ferries](/tag/ferries), [Council](/tag/council)

Sign up for our Weekly Newsletter, [click here](/newsletter).

![ferry](https://example.org/ferry.jpg)

The harbour council voted **7-2** on Tuesday to award the ferry contract to
_Bay Lines_, ending a year of \\*temporary\\* service.

The vote came after a long

debate over fares, which will rise by 5% in June.

### What Happens Next

Service under the new contract starts in *April*.

Maria Lopez is a reporter covering local government.

She is a regular contributor to the Courier.

Follow us on Twitter for more local news.

© 2023 Coastal Courier. All rights reserved.

3 Comments

Great news for commuters!
"""


def test_metadata_made_up_page():
    draft = parse_scraped_text(MADE_UP_PAGE, origin="made-up.txt")
    assert draft.title == "Harbour Council Approves New Ferry Contract"
    assert draft.subtitle == "Two bids were received, one was late"
    assert draft.authors == ("Maria Lopez", "Tom Reed")
    assert draft.publisher == "Coastal Courier"
    assert draft.published_on == date(2023, 3, 3)


def test_body_made_up_page():
    draft = parse_scraped_text(MADE_UP_PAGE, origin="made-up.txt")
    assert paragraphs(draft) == [
        "The harbour council voted 7-2 on Tuesday to award the ferry contract to Bay Lines,"
        " ending a year of *temporary* service.",
        "The vote came after a long debate over fares, which will rise by 5% in June.",
        "What Happens Next",
        "Service under the new contract starts in April.",
    ]
    assert canonical_body(draft.body) == draft.body


@pytest.mark.parametrize("raw", ["", "   \n\n \u00a0\n\t\n"])
def test_parse_raises_empty_input(raw):
    with pytest.raises(ParseError, match="no title"):
        parse_scraped_text(raw, origin="empty.txt")


def test_parse_raises_title_only():
    raw = "A Headline Without Anything Under It\n\n---\n\nLeave a Reply\n\nNice post!\n"
    with pytest.raises(ParseError, match="no body"):
        parse_scraped_text(raw, origin="title-only.txt")


def test_published_on_ignores_caption_date():
    raw = (
        "APTOPIX Election Recount\n\n"
        "Officials count ballots in Springfield, Ill., on Monday, Nov. 9, 2020."
        " (AP Photo/Jane Roe)\n\n"
        "SPRINGFIELD, Ill. — The recount began on Nov. 9, 2020, officials said.\n\n"
        "Results are expected next week.\n"
    )
    draft = parse_scraped_text(raw, origin="caption.txt")
    assert draft.title == "Election Recount"
    assert draft.published_on is None
    assert paragraphs(draft) == [
        "SPRINGFIELD, Ill. — The recount began on Nov. 9, 2020, officials said.",
        "Results are expected next week.",
    ]


def test_authors_skip_poster_account():
    raw = "Local Team Wins Title\n\nby webdesk\n\nThe local team won the title on Saturday.\n"
    draft = parse_scraped_text(raw, origin="poster.txt")
    assert draft.authors == ()
    assert draft.body == "The local team won the title on Saturday."


@pytest.mark.parametrize(
    ("header_line", "published_on", "authors", "publisher"),
    [
        ("Posted on January 5, 2022 by admin", date(2022, 1, 5), (), ""),
        ("By Jane Doe | Dec. 7, 2021", date(2021, 12, 7), ("Jane Doe",), ""),
        ("The Daily Planet, Tuesday, 7 December 2021", date(2021, 12, 7), (), "The Daily Planet"),
        ("Published: 2022-01-05", date(2022, 1, 5), (), ""),
    ],
)
def test_published_on_from_header_line(header_line, published_on, authors, publisher):
    raw = f"Storm Closes Schools\n\n{header_line}\n\nSchools closed today.\n"
    draft = parse_scraped_text(raw, origin="dated.txt")
    assert draft.published_on == published_on
    assert draft.authors == authors
    assert draft.publisher == publisher
    assert draft.subtitle == ""
    assert draft.body == "Schools closed today."


def test_published_on_ignores_body_date():
    raw = "Storm Closes Schools\n\nOn January 5, 2022, the schools closed.\n\nThey reopen soon.\n"
    draft = parse_scraped_text(raw, origin="body-date.txt")
    assert draft.published_on is None
    assert paragraphs(draft)[0] == "On January 5, 2022, the schools closed."


def test_body_cleans_links_and_escapes():
    raw = (
        "# Markup Test\n\n"
        'See [the report](https://example.org/report "title") and the'
        " [[1]](#fn1) note, by user\\_name \\*not bold\\* or **bold** and __also__.  \n"
        "Second line of the same paragraph with ![chart](img.png) an image.\n\n"
        "\\*\\*\\*\n\n"
        "*\n\n"
        "Last paragraph with a snake_case_word.\n"
    )
    draft = parse_scraped_text(raw, origin="markup.txt")
    assert draft.title == "Markup Test"
    assert paragraphs(draft) == [
        "See the report and the [1] note, by user_name *not bold* or bold and also."
        " Second line of the same paragraph with an image.",
        "Last paragraph with a snake_case_word.",
    ]
