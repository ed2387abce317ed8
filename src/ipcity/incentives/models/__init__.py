"""Incentive programs (plan task 13): programs with rules as data, applications with their
items and materials, reviews, public notices with objections, the reward ledger and payments."""

from .applications import Application, ApplicationItem, Material, Review
from .awards import Objection, Payment, PublicNotice, Reward
from .programs import Program, Rule

__all__ = [
    "Application",
    "ApplicationItem",
    "Material",
    "Objection",
    "Payment",
    "Program",
    "PublicNotice",
    "Review",
    "Reward",
    "Rule",
]
