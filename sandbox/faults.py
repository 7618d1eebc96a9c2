"""Deliberate deviations from the documentation, for proving that the suite notices them.

Each fault is a small guarded branch at the exact point of the documented behaviour it breaks
(grep the fault name to find it). All are off by default; `create_app(faults=[...])`,
`pnd-conformance sandbox --faults a,b` or, for the suite's in-process target, `PND_SANDBOX_FAULTS=a,b`.
"""
from __future__ import annotations

from collections.abc import Iterable

FAULTS: dict[str, str] = {
    # --- relaxed rules: a documented rejection is accepted -----------------------------------
    "create-accepts-missing-customer": "create: a missing/blank customerUUID is accepted (no CUSTOMER_INFO_MISSING)",
    "create-accepts-non-pickup-ride-type": "create: pickupTripInformation.rideType other than PICKUP_VEHICLE is "
                                           "accepted",
    "create-accepts-loaner-and-drop-car": "create: loanerVehicleRequired=true with isDropCar=true is accepted",
    "create-accepts-same-drivers-on-drop": "create: dropTripInformation with primaryDriverUUID == secondaryDriverUUID "
                                           "is accepted",
    "create-accepts-drop-without-ride-time": "create: dropTripInformation without rideTime is accepted",
    "create-non-web-without-creator": "create: non-WEB source without appointmentInformation.creatorUser.uuid is "
                                      "accepted",
    "create-non-pnd-transport-accepted": "create: a transportOption that is not PICKUP_AND_DELIVERY is accepted",
    "create-with-drop-no-requester-accepted": "create: non-WEB with dropTripInformation and no requesterUserUUID is "
                                              "accepted",
    "update-both-null-accepted": "update: null pickupDeliveryTripEvent and null tripUUID is accepted (no-op on the "
                                 "trip)",
    "update-create-new-when-trip-exists": "update: create-new-trip scenario succeeds although the appointment already "
                                          "has a trip",
    "delete-non-web-without-actor": "delete: non-WEB (or omitted) source without updatedByDAUUID is accepted",
    "filter-page-size-with-event-uuids": "filter: pageSize together with non-empty eventUuids is accepted",
    "filter-half-time-range": "filter: only one of startApptTime/endApptTime is accepted (one-sided range)",
    "filter-bad-date-accepted": "filter: a startApptTime/endApptTime that is not ISO-8601 is accepted (bound ignored)",
    # --- over-strict: a documented acceptance is rejected --------------------------------------
    "create-rejects-omitted-ride-type": "create: an omitted rideType is rejected instead of defaulted",
    "create-web-requires-creator": "create: source WEB without creatorUser.uuid is rejected "
                                   "(VALID_CREATOR_USER_UUID_REQUIRED)",
    "update-rejects-ride-share": "update: rideType RIDE_SHARE is rejected as an invalid ride type",
    "update-rejects-miscellaneous-without-customer": "update: MISCELLANEOUS without customerUUID is rejected",
    "filter-rejects-empty-dealer-uuids-with-events": "filter: non-empty eventUuids with empty/absent dealerUuids is "
                                                     "rejected",
    "create-rejects-colon-offset": "create: date-times with a ±HH:MM offset are rejected (only ±HHMM accepted)",
    # --- wrong error code ----------------------------------------------------------------------
    "create-wrong-code-dept": "create: a missing/invalid dealerDepartmentUUID answers INVALID_DEALER_UUID instead of "
                              "INVALID_DEPT_UUID",
    "delete-wrong-code-not-linked": "delete: an appointment without mapped pickup answers INVALID_SAR_UUID instead of "
                                    "PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT",
    "get-trips-wrong-code-sar": "get-trips: a blank sarUUID answers INVALID_APPOINTMENT_UUID instead of "
                                "INVALID_SAR_UUID",
    # --- wrong HTTP status ---------------------------------------------------------------------
    "create-validation-422": "create: validation errors answer HTTP 422 instead of 400",
    "delete-not-linked-404": "delete: PARTNER_DELETE_TRIP_NOT_LINKED_TO_APPOINTMENT answers HTTP 404 instead of 400",
    "update-errors-with-200": "update: validation errors come in the error envelope but with HTTP 200",
    "filter-validation-500": "filter: validation errors answer HTTP 500 instead of 400",
    # --- envelope ------------------------------------------------------------------------------
    "get-trips-errors-list": "get-trips: errors come in an `errors` list instead of the `error` object",
    "create-status-code-mismatch": "create: body statusCode differs from HTTP status (201 on success, 200 on errors)",
    # --- response fields -----------------------------------------------------------------------
    "create-pickup-uuid-alias-missing": "create: pickupEventUUID is null in the success response",
    "create-dropoff-uuid-missing": "create: dropoffEventUUID is null although a dropoff trip was created",
    "get-trips-total-count-zero": "get-trips: totalCount is always 0",
    # --- state ---------------------------------------------------------------------------------
    "dropoff-not-linked-back": "create: the pickup trip's linkedTripUuids stays empty (the dropoff still links to the "
                               "pickup)",
    "delete-leaves-dropoff": "delete: the linked dropoff trip survives the delete",
    "is-valid-never-set": "create/update: trips keep isValid=false (the SAR-trip mapping step never marks them valid)",
    "create-ignores-timezone": "create: the trip's appointmentTime keeps the local time but replaces the offset by "
                               "+0000",
    "update-ignores-appointment-time": "update: the trip's appointmentTime is not changed by the update scenario",
    "get-trips-missing-dropoff": "get-trips: only the pickup trip is returned, never the linked dropoff",
    "linked-appointment-missing": "create: trips get linkedAppointmentUuid null instead of the appointment UUID",
    # --- filter semantics ----------------------------------------------------------------------
    "filter-ignores-ride-types": "filter: the rideTypes filter is ignored",
    "filter-ignores-customer-uuids": "filter: the customerUuids filter is ignored",
    "filter-sort-reversed": "filter: APPT_TIME_ASC sorts descending and APPT_TIME_DESC ascending",
    "filter-page-number-zero-based": "filter: pageNumber is treated as 0-based (page 1 skips the first page)",
    "filter-last-item-index-skips": "filter: the page starts at lastItemIndex+1 instead of lastItemIndex",
    "filter-total-count-is-page-size": "filter: totalCount is the number of items on the page, not the number of "
                                       "matches",
    "filter-ignores-department": "filter: dealerDepartmentUUIDList does not restrict the results",
    "filter-ignores-driver-uuids": "filter: the driverUuids filter is ignored",
    "filter-ignores-trip-statuses": "filter: the tripStatuses filter is ignored",
    "filter-end-exclusive": "filter: a trip exactly at endApptTime is excluded",
    # --- auth ----------------------------------------------------------------------------------
    "auth-no-credentials-accepted": "auth: a request without Authorization is served as the full client",
    "auth-scope-not-checked": "auth: scopes are never checked (no_scopes/read_only/other_dealer clients pass)",
    "auth-dealer-scope-any-dealer": "auth: a dealer-level scope for any dealer is accepted for every dealer",
    "auth-401-as-403": "auth: missing/invalid credentials answer 403 FORBIDDEN instead of 401 UNAUTHORIZED",
    "auth-department-scope-not-checked": "auth: department-level scopes (delete, filter) are not checked",
    # --- robustness ----------------------------------------------------------------------------
    "malformed-json-500": "all: a body that is not valid JSON answers HTTP 500 (plain text)",
    "unknown-field-400": "create: unknown top-level body fields are rejected with 400 UNKNOWN_FIELD",
    "wrong-content-type": "all: responses are labelled text/plain instead of application/json",
    # --- more ----------------------------------------------------------------------------------
    "get-trips-unknown-sar-400": "get-trips: a well-formed unknown sarUUID answers 400 INVALID_SAR_UUID instead of "
                                 "200 with no trips",
    "delete-web-no-fallback": "delete: source=WEB without updatedByDAUUID is rejected although the appointment has an "
                              "assigned/creator user",
    "create-trip-status-ignored": "create: pickupTripInformation.tripStatus is ignored (always UNASSIGNED)",
    "update-delete-leaves-trip": "update: the delete-existing-trip scenario unmaps the trip but leaves it (and its "
                                 "dropoff) in place",
    # --- scope levels, rejected creates, round trips, untouched state, tenancy ---
    "auth-scope-level-ignored": "auth: a client holding the scope only at the other level (dealer vs department) is "
                                "accepted",
    "create-rejected-leaves-pickup": "create: a dropoff without rideTime is rejected only after the pickup trip was "
                                     "created (it stays)",
    "trip-status-unchecked": "create/update: a tripStatus outside the list of trip statuses is accepted and stored",
    "optional-fields-dropped": "create/update: optionalFields are not stored (the trip view shows {})",
    "loaner-description-dropped": "create: loanerDescription is not stored (filter's loaner.description is null)",
    "assigned-by-from-requester": "create: the trip's assignedBy is requesterUserUUID instead of "
                                  "appointmentInformation.creatorUser",
    "update-ignores-trip-status": "update: the update scenario does not change the trip's tripStatus",
    "update-customer-names-from-associate": "update: without customer names, the names of "
                                            "assignedByDealerAssociateUUID are stored",
    "update-unlinks-dropoff": "update: the update scenario empties the updated pickup's linkedTripUuids",
    "update-shifts-customer-trips": "update: the new appointmentTime is also written to the customer's other mapped "
                                    "pickups",
    "delete-removes-customer-dropoffs": "delete: every dropoff of the appointment's customer is deleted, other "
                                        "appointments' too",
    "delete-unlisted-source-as-web": "delete: a source outside the four listed values is treated as WEB (fallback "
                                     "actor derived)",
    "get-trips-ignores-path-dealer": "get-trips: the appointment is found whatever dealer the path names",
    "update-ignores-path-dealer": "update: the appointment is found whatever dealer the path names",
    "delete-ignores-path-department": "delete: the appointment is found whatever department (and so dealer) the path "
                                      "names",
    "update-created-trip-unlinked": "update: the create-new-trip scenario maps the trip but leaves its "
                                    "linkedAppointmentUuid null",
    "update-keeps-updated-by": "update: the trip's updatedBy is not recorded (filter shows the creator)",
    # --- what holds under every reading of an inferred rule ----------------------------
    "create-unknown-dealer-wrong-code": "create: an unknown dealerUuid answers 400 INVALID_DEPT_UUID instead of "
                                        "INVALID_DEALER_UUID",
    "delete-unknown-department-wrong-code": "delete: an unknown department answers 400 INVALID_SAR_UUID instead of "
                                            "INVALID_DEPT_UUID",
    "delete-twice-succeeds": "delete: an appointment without mapped pickup (deleted, or never existing) answers 200",
    "delete-rejection-deletes": "delete: a delete missing its actor deletes the appointment, then answers 400",
    "filter-last-item-index-overlaps": "filter: a lastItemIndex page starts one item before lastItemIndex (pages "
                                       "overlap)",
    "filter-out-of-grant-served": "filter: listed departments are served whatever the client's department grant",
    # --- stated behaviours that had no rule ---------------------------------------------
    "create-pickup-only-no-requester-accepted": "create: non-WEB pickup-only (no dropTripInformation) without "
                                                "requesterUserUUID is accepted",
    "create-accepts-unknown-customer": "create: a customerUUID naming no customer is accepted",
    "filter-page-number-zero-accepted": "filter: pageNumber 0 or negative is accepted (read as the first page)",
    "error-bodies-name-ids": "create/delete/get-trips: a rejection's body names ids (or counts trips) as if it had "
                             "succeeded",
    "update-unknown-appointment-applies": "update: an update naming an unknown appointment moves the named trip, then "
                                          "is rejected",
    "get-trips-status-unlisted": "get-trips: trips show tripStatus PENDING, a status outside the documented list",
    "filter-sub-trip-ride-type-unlisted": "filter: sub trips show rideType PICKUP_LEG/RETURN_LEG instead of "
                                          "OUTBOUND/INBOUND",
    "update-created-trip-type-ignored": "update: the create-new-trip scenario creates a PICKUP_VEHICLE whatever "
                                        "rideType is sent",
    "create-body-dealer-uuid-used": "create: a dealerUuid sent in the body (a known dealer) owns the appointment "
                                    "instead of the path's",
    "delete-uses-sent-trip-uuid": "delete: a tripUuid query parameter picks the chain deleted (that trip's "
                                  "appointment's)",
    "create-duplicates-rejected-by-default": "create: a duplicate appointment is rejected although errorOnDuplicate "
                                             "is absent or false",
    "create-error-on-duplicate-ignored": "create: errorOnDuplicate true does not reject a duplicate appointment",
    "create-accepts-unknown-department": "create: a dealerDepartmentUUID naming no department of the dealer is "
                                         "accepted",
    "get-trips-unknown-dealer-wrong-code": "get-trips: an unknown dealerUuid answers 400 INVALID_SAR_UUID instead of "
                                           "INVALID_DEALER_UUID",
    "filter-empty-lists-serve-all": "filter: an empty department list, empty eventUuids without dealers, or rideTypes "
                                    "[RIDE_SHARE] are served as if not sent",
    # servers built to differ: totals, long lists, side effects, coercion, writes that do not last
    "filter-total-count-ignores-trip-statuses": "filter: totalCount counts the matches of every filter but "
                                                "tripStatuses",
    "filter-event-uuids-first-ten": "filter: only the first 10 eventUuids of the list are honoured",
    "update-cascades-status-to-dropoff": "update: the update scenario gives the pickup's linked trips its new "
                                         "tripStatus",
    "create-string-booleans-dropped": "create: loanerVehicleRequired/isDropCar sent as a string are dropped (no type "
                                      "error, no cross-field rule): loaner true with isDropCar \"true\" answers 200",
    "trips-vanish-after-create": "create: the trips a create made are gone a second later (the appointment stays, "
                                 "trip-less)",
    "update-reverts": "update: the update scenario's changes show, then the trip reverts to its old values a second "
                      "later",
    "update-blanks-addresses": "update: the updated trip shows blank origin and destination addresses although the "
                               "update sent them",
    "create-rejected-still-replaces": "create: the appointments named in regularServiceApptUuid/mobileServiceApptUuid "
                                      "are deleted before the request is validated (a rejected create deletes them "
                                      "too)",
    # --- a client holding several dealers ---
    "get-trips-two-dealers-any-path": "get-trips: a client holding appointment.trip.read at the appointment's own "
                                      "dealer too is served it through any other dealer's path",
    "update-two-dealers-any-path": "update: the appointment is resolved whatever the path dealer for a client holding "
                                   "appointment.create at its own dealer too",
    "delete-two-dealers-any-path": "delete: the appointment is resolved whatever the path department for a client "
                                   "holding appointment.create at its own department too",
    "create-two-dealers-any-dealer-replacement": "create: an appointment named for replacement is deleted whatever "
                                                 "its dealer, for a client holding appointment.create there too",
    "filter-two-dealers-granted-departments": "filter: a client holding pickupdelivery.trip.fetch for several "
                                              "departments is served every one of them, listed or not",
}


class UnknownFault(ValueError):
    """A fault name that is not in FAULTS."""


def names_in(table: dict[str, str], value: Iterable[str] | str | None, error: type[ValueError], what: str,
             listing: str) -> frozenset[str]:
    """Validated names of `table` (a comma-separated string is accepted too); an unknown one raises `error`."""
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = value.split(",")
    names = frozenset(v.strip() for v in value if v and v.strip())
    unknown = sorted(names - table.keys())
    if unknown:
        raise error(f"unknown sandbox {what}: {', '.join(unknown)} (see `pnd-conformance sandbox {listing}`)")
    return names


def resolve(faults: Iterable[str] | str | None) -> frozenset[str]:
    """Validated set of fault names (a comma-separated string is accepted too)."""
    return names_in(FAULTS, faults, UnknownFault, "fault(s)", "--list-faults")
