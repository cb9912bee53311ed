"""Every store-reading action with a plausible tracker, for sweeping checks."""

from __future__ import annotations

from helpers import tracker_for
from rasa_sdk import Tracker

from actions.base import StoreAction
from actions.fallback import ActionFallback
from actions.prior_auth import ActionPriorAuthAnswer
from actions.status import ActionGreet
from actions.topics import (
    ActionCarelonPortalError,
    ActionClaimsBenefits,
    ActionContact,
    ActionDataImpact,
    ActionEmailFollowup,
    ActionOpenEnrollment,
    ActionOutageStatus,
    ActionOutOfScope,
    ActionPartDHelp,
    ActionPharmacyHelp,
    ActionPortalRegistration,
    ActionPremiumPayment,
    ActionTherapyPriorAuth,
)


def every_store_action() -> list[tuple[StoreAction, Tracker]]:
    result: list[tuple[StoreAction, Tracker]] = []
    for audience in ("member", "provider"):
        slots = {"audience": audience}
        for action in (
            ActionOutageStatus(),
            ActionDataImpact(),
            ActionGreet(),
            ActionPharmacyHelp(),
            ActionPartDHelp(),
            ActionContact(),
            ActionClaimsBenefits(),
            ActionPortalRegistration(),
            ActionOpenEnrollment(),
            ActionEmailFollowup(),
            ActionPremiumPayment(),
            ActionCarelonPortalError(),
            ActionTherapyPriorAuth(),
            ActionOutOfScope(),
            ActionFallback(),
        ):
            result.append((action, tracker_for("x", slots=slots)))
        for category in ("pharmacy", "advanced_imaging", "outpatient_therapy", "other"):
            for network in ("in_network", "out_of_network"):
                for urgency in ("urgent", "not_urgent"):
                    case = {
                        "audience": audience,
                        "service_category": category,
                        "network": network,
                        "urgency": urgency,
                        "service_date": "2023-11-30",
                    }
                    result.append((ActionPriorAuthAnswer(), tracker_for("inform", slots=case)))
    return result
