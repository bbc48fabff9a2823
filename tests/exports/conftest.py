"""Exports are pure: these fixtures build each file once per session, no app needed.
The review copy's tests also use the review's edition (``world``, tests/review)."""

from __future__ import annotations

import io
import zipfile

import pytest

from app.exports import group_docx, group_pptx, synthesis_docx, synthesis_pptx
from tests.exports import fixtures as fx
from tests.review.conftest import world  # noqa: F401  (a fixture, for test_review_copy)


class Built:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))

    def xml(self, name: str) -> str:
        return self.zip.read(name).decode("utf-8")

    def names(self) -> list[str]:
        return self.zip.namelist()

    def all_xml(self) -> str:
        return "\n".join(self.xml(n) for n in self.names() if n.endswith((".xml", ".rels")))


@pytest.fixture(scope="session")
def paper_docx() -> Built:
    return Built(group_docx(fx.deliverable()))


@pytest.fixture(scope="session")
def paper_pptx() -> Built:
    return Built(group_pptx(fx.deliverable()))


@pytest.fixture(scope="session")
def hostile_docx() -> Built:
    return Built(group_docx(fx.deliverable(sections=fx.sections(q3=fx.HOSTILE))))


@pytest.fixture(scope="session")
def hostile_pptx() -> Built:
    return Built(group_pptx(fx.deliverable(sections=fx.sections(q3=fx.HOSTILE))))


@pytest.fixture(scope="session")
def synth_docx() -> Built:
    return Built(synthesis_docx(fx.synthesis()))


@pytest.fixture(scope="session")
def synth_pptx() -> Built:
    return Built(synthesis_pptx(fx.synthesis()))
