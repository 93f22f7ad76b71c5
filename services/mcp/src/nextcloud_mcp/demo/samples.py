"""The demo's sample data: two people (alice, bob) and a small, believable week of alice's Nextcloud.

Each function returns the JSON body of one request of the fake Nextcloud's control API (`/__testbed__/seed/…`, the
shapes in `services/fake-nextcloud/src/fake_nextcloud/control/*.py`); calendars, tasks and contacts are in
`samples_dav.py`. Dates are relative to the day the demo starts, so "this week" always has something in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

__all__ = [
    "PEOPLE",
    "SHARES",
    "Person",
    "cookbook",
    "deck",
    "files",
    "notes",
    "tables",
]

JSON = dict[str, Any]


@dataclass(frozen=True)
class Person:
    login: str
    display_name: str
    email: str


#: alice is the demo's user (the server logs in as her); bob owns the folder shared with her.
PEOPLE = (
    Person("alice", "Alice Martin", "alice@example.org"),
    Person("bob", "Bob Keller", "bob@example.org"),
)

#: Shares made through the real OCS API (sharer, path, share with, permissions, note): files_sharing has no seed
#: endpoint, and a share made the way Nextcloud's web UI makes it is the more honest sample.
SHARES = (
    ("bob", "Team Handbook", "alice", 1, "Welcome aboard! Start with Welcome.md."),
    ("alice", "Documents/Project Aurora", "bob", 15, "Budget and brief, edit away."),
)

WELCOME = """# Welcome to the Nextcloud MCP demo

This is a **sandbox**: a fake Nextcloud inside the `nextcloud-mcp-server demo` process. Nothing here is real,
nothing leaves your machine, and everything vanishes when the demo stops. Change whatever you like.

Things to ask your assistant:

- What is on my calendar this week, and when is the next stand-up?
- Which tasks are due soon? Mark "Book train tickets to Lisbon" as done.
- Summarise the Project Aurora brief and the budget, then add a Deck card for the open questions.
- Which folder did Bob share with me, and what does the expenses policy say?
- When is Bob's birthday? Add a reminder task a week before.
- Plan a dinner from my recipes and put the shopping list in a note.
"""


def notes() -> JSON:
    """Notes in two categories (Work, Personal) and one without, the welcome note a favourite."""
    return {
        "user": "alice",
        "notes": [
            {"title": "Welcome to the demo", "content": WELCOME, "favorite": True},
            {
                "title": "Aurora kick-off",
                "category": "Work",
                "content": "# Aurora kick-off\n\nWith Bob and Carla (Aurora Labs).\n\n## Decisions\n"
                "- Launch in the second week of next month\n- Carla signs off the landing page\n\n"
                "## Open questions\n- Budget for the launch event?\n- Who writes the announcement?\n",
            },
            {
                "title": "Q3 roadmap ideas",
                "category": "Work",
                "content": "# Q3 roadmap ideas\n\n1. Self-service onboarding\n2. Monthly customer newsletter\n"
                "3. Move the team wiki into the Team Handbook folder\n",
            },
            {
                "title": "Lisbon packing list",
                "category": "Personal",
                "content": "# Lisbon packing list\n\n- [ ] Passport (renew!)\n- [x] Walking shoes\n- [ ] Sunscreen\n"
                "- [ ] Charger and adapter\n",
            },
            {
                "title": "Gift ideas",
                "category": "Personal",
                "content": "# Gift ideas\n\n- Bob: a good coffee grinder\n- Carla: the new Elena Ferrante\n",
            },
        ],
    }


BRIEF = """# Project Aurora: brief

**Client:** Aurora Labs (Carla Díaz)
**Goal:** a new landing page and launch campaign for Aurora's solar lamps.

## Scope
- Landing page with product story, pricing and FAQ
- Launch announcement (blog, newsletter, social)
- A small launch event for partners

## Timeline
Kick-off done; landing page review next week; launch in the second week of next month.
"""

BUDGET = """item,owner,amount_eur,status
Landing page design,Alice,4800,approved
Copywriting,Bob,1900,approved
Launch event,Alice,3500,pending
Ads (first month),Carla,2500,pending
"""


def files() -> list[JSON]:
    """alice's and bob's files (bob's Team Handbook is shared with alice, see SHARES)."""
    alice = [
        {"path": "Readme.md", "content": WELCOME},
        {"path": "Documents/Project Aurora/Brief.md", "content": BRIEF, "favorite": True},
        {"path": "Documents/Project Aurora/Budget.csv", "content": BUDGET},
        {
            "path": "Documents/Lisbon trip.md",
            "content": "# Lisbon trip\n\n- Train to the airport, flight in the morning\n- Hotel in Alfama, "
            "4 nights\n- Tram 28, Belém, LX Factory, a fado evening\n",
        },
        {"path": "Photos/Lisbon/tram-28.jpg", "size": 48 * 1024},
        {"path": "Templates", "folder": True},
    ]
    bob = [
        {
            "path": "Team Handbook/Welcome.md",
            "content": "# Welcome to the team\n\nOur week: stand-up on Mondays at 09:30, demo on Fridays.\n"
            "Ask Bob for access to Deck and the shared calendar.\n",
        },
        {
            "path": "Team Handbook/Expenses policy.md",
            "content": "# Expenses\n\n- Train over plane below 6 hours\n- Hotels up to 140 EUR a night\n"
            "- Submit receipts within 30 days, in the Expenses table\n",
        },
        {
            "path": "Team Handbook/Holidays.md",
            "content": "# Holidays and leave\n\n30 days a year. Put your leave in the team calendar and tell "
            "the team in the Monday stand-up.\n",
        },
    ]
    return [{"user": "alice", "files": alice}, {"user": "bob", "files": bob}]


def deck(today: date) -> JSON:
    """One board with three stacks, Deck's default labels, due dates and an assignment."""

    def due(days: int) -> str:
        return f"{today + timedelta(days=days)}T17:00:00+00:00"

    return {
        "user": "alice",
        "boards": [
            {
                "title": "Project Aurora",
                "color": "0082c9",
                "stacks": [
                    {
                        "title": "To do",
                        "cards": [
                            {
                                "title": "Draft the launch announcement",
                                "description": "Blog post and newsletter; Carla reviews.",
                                "duedate": due(3),
                                "labels": ["Action needed"],
                                "assign": ["alice"],
                            },
                            {"title": "Collect customer quotes", "labels": ["Later"]},
                        ],
                    },
                    {
                        "title": "In progress",
                        "cards": [
                            {
                                "title": "Budget review with finance",
                                "description": "See Documents/Project Aurora/Budget.csv: two lines pending.",
                                "duedate": due(1),
                                "labels": ["To review"],
                                "assign": ["alice"],
                            },
                            {"title": "Design the landing page", "duedate": due(6)},
                        ],
                    },
                    {"title": "Done", "cards": [{"title": "Kick-off meeting", "labels": ["Finished"]}]},
                ],
            }
        ],
    }


def tables() -> JSON:
    """A reading list: text, selection and star-rating columns, a view of what is being read."""
    status = ["Want to read", "Reading", "Finished"]
    rows = [
        ("Piranesi", "Susanna Clarke", "3", 5.0),
        ("The Overstory", "Richard Powers", "2", 0.0),
        ("Klara and the Sun", "Kazuo Ishiguro", "3", 4.0),
        ("The Book of Disquiet", "Fernando Pessoa", "1", 0.0),
    ]
    return {
        "user": "alice",
        "tables": [
            {
                "title": "Reading list",
                "emoji": "📚",
                "description": "Books to read, reading and read.",
                "columns": [
                    {"title": "Title", "type": "text", "subtype": "line", "mandatory": True},
                    {"title": "Author", "type": "text", "subtype": "line"},
                    {"title": "Status", "type": "selection", "options": status},
                    {"title": "Rating", "type": "number", "subtype": "stars", "min": 0, "max": 5},
                ],
                "rows": [
                    {"Title": title, "Author": author, "Status": state, "Rating": rating}
                    for title, author, state, rating in rows
                ],
                "views": [{"title": "Reading now", "filter": [[{"column": "Status", "value": "2"}]]}],
            }
        ],
    }


def cookbook() -> JSON:
    """Two recipes (schema.org Recipe, as the Cookbook app stores them)."""
    return {
        "user": "alice",
        "recipes": [
            {
                "@type": "Recipe",
                "name": "Shakshuka",
                "description": "Eggs poached in a spiced tomato and pepper sauce.",
                "recipeCategory": "Breakfast",
                "keywords": "vegetarian,quick,eggs",
                "recipeYield": 2,
                "prepTime": "PT10M",
                "cookTime": "PT20M",
                "tool": ["deep frying pan with a lid"],
                "recipeIngredient": [
                    "2 tbsp olive oil",
                    "1 onion, sliced",
                    "1 red pepper, sliced",
                    "2 cloves garlic",
                    "1 tsp cumin, 1 tsp paprika",
                    "400 g chopped tomatoes",
                    "4 eggs",
                    "parsley and feta to serve",
                ],
                "recipeInstructions": [
                    "Soften onion and pepper in the oil, about 8 minutes.",
                    "Add garlic and spices for a minute, then the tomatoes; simmer 10 minutes.",
                    "Make four wells, crack in the eggs, cover and cook until the whites set.",
                    "Scatter parsley and feta; serve with bread.",
                ],
            },
            {
                "@type": "Recipe",
                "name": "Lemon drizzle cake",
                "description": "A light loaf soaked in lemon syrup while warm.",
                "recipeCategory": "Baking",
                "keywords": "sweet,cake,lemon",
                "recipeYield": 8,
                "prepTime": "PT15M",
                "cookTime": "PT45M",
                "recipeIngredient": [
                    "225 g soft butter",
                    "225 g caster sugar",
                    "4 eggs",
                    "225 g self-raising flour",
                    "2 lemons, zest and juice",
                    "85 g icing sugar",
                ],
                "recipeInstructions": [
                    "Beat butter and sugar until pale, then the eggs one by one.",
                    "Fold in the flour and the zest; bake in a loaf tin at 180 °C for 45 minutes.",
                    "Mix lemon juice and icing sugar; pour over the warm cake.",
                ],
            },
        ],
    }
