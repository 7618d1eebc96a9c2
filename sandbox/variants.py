"""Conformant variants: the mirror image of the faults (mutants). Each is a behaviour the documents
permit but the reference sandbox does not choose, at a point where they are silent or ambiguous
(spec/NOTES.md names each position). The suite must pass against every one with zero failures
(`tests/test_variants.py`); a failure there is a false alarm of the suite, not a sandbox bug.

One entry per variant: its name and what the sandbox then does differently. Enable like a fault
(`create_app(faults=[...])`, `python -m sandbox --faults NAME`, `PND_SANDBOX_FAULTS=NAME`); the
sandbox checks a variant with `ctx.variant(NAME)` at the point of the behaviour (grep the name).
"""
from __future__ import annotations

VARIANTS: dict[str, str] = {
    # --- date-times, request forms --------------------------------------------------------------
    "offset-without-colon-only": "create, update, filter: date-times only in the docs' ±HHMM form (yyyy-MM-dd'T'HH:mm:ssZ); "
                                 "a ±HH:MM offset is rejected",
    "transport-option-by-uuid-only": "create: a transport option is identified only by transportOptionUuid (as the doc's "
                                     "example); one named PICKUP_AND_DELIVERY without a UUID is rejected",
    "unknown-fields-rejected": "create: unknown top-level body fields are rejected with 400 (as fault unknown-field-400)",
    "single-value-as-list": "update, filter: a single string where a list of strings is expected counts as a "
                            "one-element list (Jackson's ACCEPT_SINGLE_VALUE_AS_ARRAY)",
    # --- update ---------------------------------------------------------------------------------
    "pickup-stays-pickup": "update: the partner pickup stays a pickup: the update scenario rejects a non-pickup "
                           "rideType (400 INVALID_RIDE_TYPE)",
    "created-trip-is-pickup-vehicle": "update: the create-trip scenario follows the create page: its rideType must be "
                                      "PICKUP_VEHICLE",
    # --- create ---------------------------------------------------------------------------------
    "trips-valid-later": "create: trips are marked valid a moment later: the first get-trips after the create shows "
                         "isValid false",
    "pickup-alias-omitted": "create: pickupEventUUID is not returned to this (older) partner integration "
                            "(as fault create-pickup-uuid-alias-missing)",
    "trip-status-set-by-server": "create: the trip's status is set by the trip service (UNASSIGNED), whatever the "
                                 "caller sends (as fault create-trip-status-ignored)",
    "replaced-partner-appointment-kept": "create: regularServiceApptUuid naming a partner appointment-with-trip (not a "
                                         "regular service appointment) leaves it in place",
    "unknown-department-downstream-code": "create: a well-formed department UUID that is unknown or of another dealer "
                                          "fails downstream (400 INVALID_CREATE_EVENT_REQUEST), not INVALID_DEPT_UUID",
    # --- identities and tenancy -----------------------------------------------------------------
    "unknown-path-identity-403": "create, get-trips, delete: a well-formed dealer/department UUID naming nothing is "
                                 "refused by the scope check (403 FORBIDDEN) before it is resolved",
    "unknown-appointment-rejected": "get-trips, delete: an appointment UUID naming no appointment is 400 "
                                    "INVALID_SAR_UUID (as fault get-trips-unknown-sar-400, and on delete)",
    "delete-web-fallback-any-actor": "delete: source=WEB without updatedByDAUUID derives an actor even when the "
                                     "appointment has no assigned or creator user",
    # --- authentication layer -------------------------------------------------------------------
    "auth-gateway-bodies": "all: 401 and 403 come from a gateway with its own JSON body ({\"message\": ...}), not the "
                           "operation's envelope",
    "auth-codes-differ": "update, filter (no documented codes): 401 answers NOT_AUTHENTICATED and 403 ACCESS_DENIED",
    "filter-department-out-of-grant-ignored": "filter: listed departments outside the client's grant are ignored (200, "
                                              "none of their trips) instead of 403",
    # --- filter ---------------------------------------------------------------------------------
    "last-item-index-of-last-item": "filter: lastItemIndex is the index of the previous page's last item; the page "
                                    "starts after it (as fault filter-last-item-index-skips)",
    "filter-accepts-ride-share": "filter: RIDE_SHARE (update's ride type) is accepted in rideTypes",
    "filter-empty-lists-lenient": "filter: an empty dealerDepartmentUUIDList, or empty eventUuids without dealerUuids, "
                                  "is accepted and selects nothing",
    "dropoff-filtered-by-appointment-time": "filter: a dropoff is ranged and sorted by its appointment's pickup time, "
                                            "not by its rideTime",
}
