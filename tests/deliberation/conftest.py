import pytest

from app.core.transactions import commit
from app.deliberation.arguments import add_argument


@pytest.fixture
def q1(demo):
    return demo.questions[0]


@pytest.fixture
def users(demo):
    return demo.users


@pytest.fixture
def claim(demo, q1, users):
    """A fresh Government thesis on question 1."""
    argument = add_argument(
        demo,
        users["gouvernement1@demo.palabre"],
        question=q1,
        kind="claim",
        text="La coupure est **légale** si une loi la prévoit.",
    )
    commit()
    return argument


@pytest.fixture
def reply(demo, claim, users):
    argument = add_argument(
        demo,
        users["societe1@demo.palabre"],
        question=None,
        kind="oppose",
        parent=claim,
        text="Elle n'est pas proportionnée.",
    )
    commit()
    return argument
