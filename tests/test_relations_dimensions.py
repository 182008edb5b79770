"""Event dimensions from CAMEO codes and the words of the evidence sentence."""
from __future__ import annotations

import pytest

from detente.relations import dimensions_of, primary_dimension


@pytest.mark.parametrize("code, sentence, expected", [
    # the code alone
    ("0311", None, ["economic", "diplomatic"]),
    ("061", None, ["economic"]),
    ("163", None, ["sanctions", "economic"]),
    ("0254", None, ["sanctions", "economic", "diplomatic"]),
    ("190", None, ["military"]),
    ("1823", None, ["military"]),
    ("073", None, ["humanitarian"]),
    ("042", None, ["diplomatic"]),
    ("111", None, ["diplomatic"]),      # a verbal exchange on no named topic
    ("141", None, []),                  # a street protest is no dimension of a relationship
    # the words add what the code does not say
    ("057", "The two leaders signed a deal to build a railway and expand oil exports.",
     ["economic", "economic:trade", "economic:energy", "economic:infrastructure", "diplomatic"]),
    ("040", "Putin and Kim discussed military cooperation and artillery shells.",
     ["military", "diplomatic"]),
    ("111", "Washington condemned the arms transfer as a violation of UN resolutions.",
     ["sanctions", "military"]),
    ("0311", "Moscow pledged to send North Korean workers home and invest in a joint venture.",
     ["economic", "economic:investment", "economic:labour", "diplomatic"]),
    ("071", "The EU announced a loan package for the rare earth mining sector.",
     ["economic", "economic:aid", "economic:mining"]),
    ("023", "The UN appealed for humanitarian access for refugees.", ["humanitarian", "diplomatic"]),
])
def test_dimensions(code, sentence, expected):
    assert dimensions_of(code, sentence) == expected


def test_precision_guards():
    # "trade war" is not a war, "tear gas" is not energy, "sanctions relief" is not aid,
    # the Labour party is not labour, and the capital city is not investment
    assert "military" not in dimensions_of("010", "He warned of a trade war.")
    assert "economic:energy" not in dimensions_of("145", "Police fired tear gas.")
    assert "humanitarian" not in dimensions_of("085", "Tehran sought sanctions relief.")
    assert "economic:labour" not in dimensions_of("010", "Labour leader Corbyn said so.")
    assert dimensions_of("042", "Putin arrived in the capital, Pyongyang.") == ["diplomatic"]
    assert primary_dimension("163", "Sanctions on oil exports") == "sanctions"
    assert primary_dimension("141") is None
