"""Standard addresses (统一标准地址): registry, resolver, routing, door plates.

Public surface; everything else in this package is internal.
"""

from bot.addresses.book import AddressBook, UnknownAddress
from bot.addresses.codes import parse_scene
from bot.addresses.demo import ensure_demo_data
from bot.addresses.geo import distance_m
from bot.addresses.importer import BadRow, ImportReport, import_csv
from bot.addresses.places import Place
from bot.addresses.repository import ChannelTaken, bind_person_channel
from bot.addresses.types import (
    BuildingInfo,
    Candidate,
    Contact,
    GridInfo,
    Level,
    Resolution,
    Route,
)

__all__ = [
    "AddressBook",
    "BadRow",
    "BuildingInfo",
    "Candidate",
    "ChannelTaken",
    "Contact",
    "GridInfo",
    "ImportReport",
    "Level",
    "Place",
    "Resolution",
    "Route",
    "UnknownAddress",
    "bind_person_channel",
    "distance_m",
    "ensure_demo_data",
    "import_csv",
    "parse_scene",
]
