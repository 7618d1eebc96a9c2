"""Building blocks shared by the per-operation strategies."""
from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

SOURCES_NON_WEB = ["DEALER_APP", "PND_API", "EXTERNAL_CONTROLLER"]
SOURCES = ["WEB", *SOURCES_NON_WEB]
# update's rideType enum (the widest list in the docs; filter's lacks RIDE_SHARE)
UPDATE_RIDE_TYPES = ["PICKUP_CUSTOMER", "PICKUP_VEHICLE", "DROPOFF_CUSTOMER", "DROPOFF_VEHICLE",
                     "LOANER_SWAP", "MISCELLANEOUS", "RIDE_SHARE"]
FILTER_RIDE_TYPES = UPDATE_RIDE_TYPES[:-1]
PICKUP_RIDE_TYPES = ["PICKUP_VEHICLE", "PICKUP_CUSTOMER"]
TRIP_STATUSES = ["DRAFT", "AUTO_DRAFT", "ASSIGNED", "UNASSIGNED", "OUTBOUND", "INBOUND", "READY_TO_DRIVE",
                 "AT_DESTINATION", "AT_DEALERSHIP", "COMPLETED", "CANCELLED"]
SUB_TRIP_STATUSES = ["DRAFT", "AUTO_DRAFT", "ASSIGNED", "UNASSIGNED", "READY_TO_DRIVE", "STARTED",
                     "IN_PROGRESS", "AT_DEALERSHIP", "COMPLETED", "CANCELLED"]
DOC_STATUSES = ["UPLOAD_PENDING", "VERIFICATION_PENDING", "VERIFIED", "REQUEST_ITEMS", "VERIFY_ITEMS",
                "PREVIEW_ITEMS"]
# Statuses a caller may send on create/update ("If set to DRAFT or AUTO_DRAFT, customer
# messaging is suppressed"); the rest are driven by the trip's progress, not by the caller.
CALLER_TRIP_STATUSES = [None, "DRAFT", "AUTO_DRAFT", "UNASSIGNED"]

# Appointment times are drawn in the future, on whole minutes, within dealer hours.
_EPOCH = datetime(2031, 1, 6, 8, 0, 0)

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
addresses = st.sampled_from(["123 Customer Street, City, State 12345", "456 Dealer Avenue, City, State 12345",
                             "1 Rue de la Paix, Montréal, QC H3B 1A1", "東京都千代田区1-1"])
latitudes = st.floats(min_value=-90, max_value=90, allow_nan=False)
longitudes = st.floats(min_value=-180, max_value=180, allow_nan=False)


def fmt(dt: datetime, offset: str, colon: bool = False) -> str:
    off = f"{offset[:3]}:{offset[3:]}" if colon else offset
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + off


@st.composite
def local_times(draw, days: int = 3000) -> datetime:
    """A local (dealer) date-time on a 15-minute boundary between 08:00 and 16:45."""
    day = draw(st.integers(0, days))
    quarter = draw(st.integers(0, 35))
    return _EPOCH + timedelta(days=day, minutes=15 * quarter)


def optional(strategy):
    """Sometimes absent: used with `draw(optional(s))` and dropped when None."""
    return st.none() | strategy


def drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}
