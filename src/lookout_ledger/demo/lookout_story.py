"""The lookouts, crossings and secondary inspections of the demo scenario (Figure 1 of the review).

Fifty-one U.S. travelers get one lookout each. The story is built so that the spec's metric
definitions, not the intentions written here, yield the review's figures:

- 39 travelers have at least one lookout-linked inspection, 12 have none (no crossing, or only
  a crossing before their lookout existed);
- 5 of the 39 had every lookout of their first referral disabled within the review window
  and before they crossed again; the other 34 stayed active;
- 18 of the 34 crossed again while the lookout still referred, and each was inspected again
  (so the 18 re-entered are exactly the 18 re-referred); the other 16 never crossed again
  while their lookout was live;
- one traveler was inspected six times, nobody more;
- 31 lookouts were transferred without notice when their owner's detail ended; a 32nd
  transfer, with notice, shows the control working and is not counted;
- 18 lookouts were reviewed and removed after press coverage in mid-February, all more
  than the review window after the traveler's only referral or after a repeat referral,
  so the removals cannot turn anyone into "removed after first referral".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from lookout_ledger.demo.builder import DeviceSearch, Interview, LifBuilder, Port, local, stamp
from lookout_ledger.demo.cast import (
    CALEXICO,
    LOS_ANGELES_AIRPORT,
    NOGALES,
    OTAY_MESA,
    SAN_DIEGO_AIRPORT,
    SAN_YSIDRO,
    TTRT_A,
    TTRT_B,
)
from lookout_ledger.demo.travelers import Travelers

REFER = "refer_secondary"

# What the lookouts ask officers to find out (compared after case folding and trimming).
FENCE = ["knowledge of the December 16 fence crossing", "who helped migrants climb the fence"]
SUSPECT_LINK = ["contacts with the person suspected of planning violence", "plans for violence at the border"]
ORGANIZING = ["role in organizing the caravan", "caravan leadership and funding"]
SUPPORT_ORG = ["role of the support organization in the caravan", "caravan leadership and funding"]
CHAT_ADMIN = ["contacts with the WhatsApp chat group administrator"]
VEHICLE = ["use of the vehicle by the suspected organizer"]
INCITEMENT = ["presence at the November 25 incursion", "plans for violence at the border"]
SMUGGLING = ["smuggling contacts", "payments for crossings"]
INCURSION_FOOTAGE = ["footage and knowledge of the January 1 incursion"]
SIX_SOUGHT = ["phone number of an associate", "information about another person"]

# What interviewing officers asked when they did not pursue the lookout's purpose.
GENERAL = ["mood of the caravan", "photo lineup"]
JOURNALIST_ROUTINE = ["assignment and employer", "caravan coverage plans"]
ABOUT_HIMSELF = ["his own travel history", "his own employment", "his own caravan involvement"]

# The lookouts transferred when their owner's detail ended, and the 18 removed after press coverage.
DETAIL_END = local("2019-01-31", "17:30")
PRESS_REVIEW = local("2019-02-14", "10:00")


@dataclass
class LookoutStory:
    b: LifBuilder
    t: Travelers
    lookouts: dict[str, dict[str, Any]] = field(default_factory=dict)
    first_referral: dict[str, datetime] = field(default_factory=dict)

    def place(
        self,
        key: str,
        *,
        owner: str,
        created: datetime,
        status: str,
        sought: list[str],
        basis: str,
        activity: str | None = None,
        approved_by: str | None = None,
        occupation: str | None = None,
        citizenship: list[str] | None = None,
        other_name: str | None = None,
    ) -> str:
        """A traveler and the lookout placed on them (owner and creator are the same at placement)."""
        person_id = self.t.add(key, occupation=occupation, citizenship=citizenship, other_name=other_name)
        lookout_id = self.b.next_id("LK")
        self.lookouts[key] = self.b.add(
            "lookout",
            id=lookout_id,
            person_id=person_id,
            owner_id=owner,
            created_by=owner,
            created_at=stamp(created),
            status_code=status,
            suspected_activity=activity if status == "suspect" else None,
            basis=basis,
            information_sought=sought,
            action=REFER,
            approved_by=approved_by,
            approved_at=stamp(created + timedelta(hours=3)) if approved_by else None,
        )
        self.t.lookout_ids[key] = lookout_id
        return lookout_id

    def inspect(self, key: str, *interviews: Interview) -> None:
        for interview in interviews:
            record = self.b.referral(self.t.person_ids[key], self.t.lookout_ids[key], interview)
            self.first_referral.setdefault(key, datetime.fromisoformat(record["started_at"]))

    def cross_unreferred(self, key: str, moment: datetime, port: Port) -> None:
        """A crossing at which no lookout referred the traveler (none yet, or it was disabled)."""
        self.b.crossing(self.t.person_ids[key], moment, port, False, [])

    def event(self, key: str, moment: datetime, kind: str, actor: str, reason: str, **kw: Any) -> None:
        self.b.event(self.t.lookout_ids[key], moment, kind, actor, reason, **kw)

    def transfer(self, key: str, to_owner: str, notice: bool, moment: datetime = DETAIL_END) -> None:
        """The owner hands the lookout to someone else; the lookout's owner_id is who holds it now."""
        reason = "End of detail at the operations center; lookout reassigned"
        self.event(key, moment, "transferred", "OFF-EOC-1", reason, to_owner_id=to_owner, notice=notice)
        self.lookouts[key]["owner_id"] = to_owner
        if notice:
            accepted = moment + timedelta(hours=16)
            self.event(key, accepted, "transfer_accepted", to_owner, "Briefed by the previous owner; accepted")


def iv(
    day: str,
    hm: str,
    topics: list[str],
    obtained: str | None,
    new: bool | None = True,
    port: Port = SAN_YSIDRO,
    officers: list[str] | None = None,
    **kw: Any,
) -> Interview:
    return Interview(day, hm, port, officers or TTRT_A, topics, obtained, new, **kw)


def build_lookouts(b: LifBuilder, t: Travelers) -> LookoutStory:
    s = LookoutStory(b, t)
    _suspect_associates(s)
    _caravan_organizers(s)
    _fence_journalists(s)
    _four_times_advocate(s)
    _twice_in_a_week(s)
    _operations_center_officer_2(s)
    _partner_agency(s)
    _airport_journalist(s)
    _arizona_and_others(s)
    _end_of_detail_transfers(s)
    _press_review(s)
    return s


def _suspect_associates(s: LookoutStory) -> None:
    """Fifteen non-suspects whose only link is to one person suspected of planning violence."""
    for i in range(1, 16):
        key = f"S{i:02d}"
        how = (
            "crossed the border in the suspect's vehicle in October 2018"
            if i % 2
            else "is connected on social media to the suspect"
        )
        s.place(
            key,
            owner="OFF-EOC-1",
            created=local("2018-11-27", "09:00") + timedelta(days=(i - 1) // 3, minutes=15 * i),
            status="non_suspect",
            sought=SUSPECT_LINK,
            basis=f"Associate of a person the EOC suspects of planning violence at the border: {how}. "
            "No information that this traveler plans violence or was at an incursion.",
            approved_by="OFF-EOC-3",
            occupation="other" if i % 3 == 0 else None,
        )
    asked = [SUSPECT_LINK[0], "mood of the caravan"]
    got = "Knows the suspect from a shelter in Tijuana; says he has heard of no plans for violence."
    same = "Repeated the account given at the first interview."
    s.inspect("S01", iv("2018-12-08", "10:15", asked, got), iv("2018-12-22", "14:40", GENERAL, same, False))
    s.inspect(
        "S02",
        iv("2018-12-15", "09:05", asked, got, port=OTAY_MESA, officers=TTRT_B),
        iv("2019-01-12", "16:20", GENERAL, same, False),
    )
    unjustified = DeviceSearch(performed=True, reason=None, supervisor_approval_id=None, findings_documented=False)
    s.inspect(
        "S03",
        iv("2018-12-20", "11:30", asked, got),
        iv("2019-01-19", "13:10", GENERAL, same, False, officers=TTRT_B, device_search=unjustified),
    )
    s.inspect(
        "S04",
        iv("2019-01-06", "08:50", asked, got, port=OTAY_MESA),
        iv("2019-02-02", "12:35", asked, same, False, officers=TTRT_B),
    )
    singles = {
        "S05": ("2018-12-09", asked),
        "S06": ("2018-12-13", asked),
        "S07": ("2018-12-18", asked),
        "S08": ("2018-12-29", GENERAL),
        "S09": ("2019-01-05", asked),
        "S10": ("2019-01-15", GENERAL),
        "S11": ("2019-01-26", asked),
    }
    for n, (key, (day, topics)) in enumerate(singles.items()):
        obtained = got if topics is asked else "Identified two people in the photo lineup as caravan volunteers."
        s.inspect(key, iv(day, f"{9 + n}:25", topics, obtained, officers=TTRT_A if n % 2 else TTRT_B))
    # After the press review removed the lookout, S05 crossed again and was not referred.
    s.cross_unreferred("S05", local("2019-02-20", "18:05"), SAN_YSIDRO)
    # S12-S15 never crossed while the operation lasted.


def _caravan_organizers(s: LookoutStory) -> None:
    """Twelve suspected organizers and supporters; four of them only loosely connected (non-suspects)."""
    loose = {"C04", "C06", "C10", "C11"}
    for i in range(1, 13):
        key = f"C{i:02d}"
        suspect = key not in loose
        s.place(
            key,
            owner="OFF-EOC-1",
            created=local("2018-11-16", "10:00") + timedelta(days=i - 1),
            status="suspect" if suspect else "non_suspect",
            activity="Suspected of organizing the caravan and facilitating illegal entry" if suspect else None,
            sought=ORGANIZING,
            basis=(
                "Named in open-source reporting and shelter posts as coordinating caravan movements to the border."
                if suspect
                else "Volunteers with an organization the EOC believes is leading the caravan; "
                "no activity of his own is suspected."
            ),
            approved_by="OFF-EOC-3" if i % 4 else "OFF-EOC-1",
            occupation="clergy" if key == "C04" else ("other" if i % 2 else None),
            other_name="Brother Anselm" if key == "C04" else None,
        )
    role = [ORGANIZING[0], "mood of the caravan"]
    got = "Described his role handing out food and legal-aid flyers; named no leaders."
    same = "No new information; repeated his earlier account."
    s.inspect("C01", iv("2018-12-12", "15:00", role, got), iv("2019-01-03", "10:40", GENERAL, same, False))
    s.inspect(
        "C02",
        iv("2018-12-19", "09:30", role, got, port=OTAY_MESA),
        iv("2019-01-16", "11:05", role, same, False),
        iv("2019-01-30", "17:45", GENERAL, same, False, officers=TTRT_B),
    )
    s.inspect("C03", iv("2019-01-08", "14:20", role, got), iv("2019-01-28", "09:55", GENERAL, same, False))
    pastor = "Runs a church shelter; described the shelter's capacity and needs."
    s.inspect("C04", iv("2018-12-14", "12:10", role, pastor, officers=TTRT_B))
    s.inspect("C05", iv("2018-12-27", "10:00", role, got))
    s.inspect("C06", iv("2019-01-11", "15:30", GENERAL, "Identified no one in the photo lineup."))
    s.inspect("C07", iv("2019-01-18", "08:45", role, got, port=CALEXICO, officers=TTRT_B))
    s.inspect("C08", iv("2019-01-25", "13:15", role, got))
    # C09-C12 never crossed.


def _fence_journalists(s: LookoutStory) -> None:
    """Five journalists identified after the December 16 fence crossing; none was asked about it."""
    occupations = {
        "J1": "journalist",
        "J2": "journalist",
        "J3": "photographer",
        "J4": "journalist",
        "J5": "photographer",
    }
    for n, (key, occupation) in enumerate(occupations.items()):
        s.place(
            key,
            owner="OFF-EOC-1",
            created=local("2018-12-18", "09:30") + timedelta(minutes=5 * n),
            status="suspect",
            activity="Possibly assisted migrants over the border fence during the December 16 night crossing",
            sought=FENCE,
            basis="Identified by Mexican police near the fence after the December 16 crossing. "
            "See the target profile for employer and recent crossings.",
            occupation=occupation,
        )
    routine = "Occupation, employer and assignment recorded; coverage plans described."
    repeat = "Routine questions again; nothing new."
    s.inspect(
        "J1",
        iv("2018-12-19", "16:10", JOURNALIST_ROUTINE, routine),
        iv("2018-12-22", "11:45", JOURNALIST_ROUTINE, repeat, False, port=OTAY_MESA, officers=TTRT_B),
        iv("2018-12-26", "19:20", JOURNALIST_ROUTINE, repeat, False),
    )
    s.event("J1", local("2018-12-27", "09:40"), "removed", "OFF-EOC-1", "No longer needed")
    s.inspect(
        "J2",
        iv("2018-12-23", "10:30", JOURNALIST_ROUTINE, routine),
        iv("2019-02-04", "15:50", JOURNALIST_ROUTINE, repeat, False, port=OTAY_MESA, officers=TTRT_B),
    )
    s.inspect(
        "J3",
        iv("2018-12-27", "14:00", JOURNALIST_ROUTINE, routine, officers=TTRT_B),
        iv("2019-01-20", "12:25", JOURNALIST_ROUTINE, repeat, False),
    )
    s.inspect("J4", iv("2018-12-29", "09:15", JOURNALIST_ROUTINE, routine, port=CALEXICO))
    s.inspect("J5", iv("2019-01-02", "17:35", JOURNALIST_ROUTINE, routine, officers=TTRT_B))
    # J4 crossed again after the press review removed the lookout: no referral.
    s.cross_unreferred("J4", local("2019-03-02", "11:20"), CALEXICO)


def _four_times_advocate(s: LookoutStory) -> None:
    """Referred four times: the 2nd and 3rd produced nothing new, the 4th was not documented."""
    s.place(
        "ADV",
        owner="OFF-EOC-1",
        created=local("2018-11-28", "14:00"),
        status="suspect",
        activity="Leads an organization suspected of facilitating illegal entry of caravan members",
        sought=SUPPORT_ORG,
        basis="Director of a migrant-support organization whose volunteers travel with the caravan.",
        approved_by="OFF-EOC-3",
        occupation="advocate",
    )
    asked = [SUPPORT_ORG[0]]
    s.inspect(
        "ADV",
        iv("2018-12-06", "10:20", SUPPORT_ORG, "Described the organization's shelters, funding and volunteers."),
        iv("2018-12-20", "13:40", asked, "Same account as on December 6.", False, officers=TTRT_B),
        iv("2019-01-10", "09:05", asked, "Same account as on December 6.", False),
        iv("2019-01-24", "16:30", [], None, None, documented=False, officers=TTRT_B),
    )


def _twice_in_a_week(s: LookoutStory) -> None:
    """Crossed twice within a week; at the second referral the owner said no interview was needed and removed it."""
    s.place(
        "TW",
        owner="OFF-EOC-1",
        created=local("2018-12-10", "11:00"),
        status="suspect",
        activity="Suspected of organizing caravan groups at the Calexico crossing",
        sought=ORGANIZING,
        basis="Seen directing a caravan group at the Mexicali plaza on December 8.",
        approved_by="OFF-EOC-3",
    )
    s.inspect(
        "TW",
        iv("2019-01-07", "10:10", ORGANIZING, "Explained his role as a volunteer driver.", port=CALEXICO),
        iv(
            "2019-01-11",
            "15:05",
            [],
            "Officer called the lookout owner, who said another interview was not needed; released.",
            False,
            port=CALEXICO,
            minutes=25,
        ),
    )
    s.event("TW", local("2019-01-11", "16:00"), "removed", "OFF-EOC-1", "Interview not needed")


def _operations_center_officer_2(s: LookoutStory) -> None:
    """The six-times traveler, the marriage-fraud traveler, the vehicle owner and companion, two attorneys."""
    s.place(
        "SIX",
        owner="OFF-EOC-2",
        created=local("2018-12-20", "08:30"),
        status="non_suspect",
        sought=SIX_SOUGHT,
        basis="Believed to have the phone number of, and information about, a person of interest to the EOC.",
        approved_by="OFF-EOC-2",
    )
    handcuffed = DeviceSearch(
        performed=True, reason=None, supervisor_approval_id="OFF-TTRT-SUP", findings_documented=False
    )
    s.inspect(
        "SIX",
        iv(
            "2018-12-27",
            "11:00",
            ABOUT_HIMSELF,
            "Hesitant to give information about other people; described his own trips.",
        ),
        iv(
            "2019-01-02",
            "09:10",
            ABOUT_HIMSELF,
            "Held in the security office (handcuffed to a bench by protocol) until TTRT arrived; "
            "phone searched manually; asked only about himself.",
            False,
            restrained=True,
            minutes=360,
            device_search=handcuffed,
            officers=TTRT_B,
        ),
        iv("2019-01-08", "14:15", ABOUT_HIMSELF, "Asked only about himself.", False),
        iv("2019-01-13", "10:45", ABOUT_HIMSELF, "Asked only about himself.", False, port=OTAY_MESA, officers=TTRT_B),
        iv("2019-01-19", "16:05", ABOUT_HIMSELF, "Asked only about himself.", False),
        iv("2019-01-24", "12:30", ABOUT_HIMSELF, "Asked only about himself.", False, officers=TTRT_B),
    )

    s.place(
        "MF",
        owner="OFF-EOC-2",
        created=local("2019-01-05", "13:00"),
        status="suspect",
        activity="Suspected of marriage fraud to support migrants' asylum claims",
        sought=["role in caravan logistics", "possible marriage fraud"],
        basis="Documents seen by the EOC suggest a recent marriage to a caravan member (EOC e-mail of January 4).",
        approved_by="OFF-EOC-3",
    )
    s.inspect("MF", iv("2019-01-14", "10:30", ["family and travel"], "Described family visits in Tijuana."))
    s.event(
        "MF",
        local("2019-01-15", "08:20"),
        "modified",
        "OFF-EOC-2",
        "Asked TTRT to ask about possible marriage fraud at the next crossing",
    )
    s.inspect("MF", iv("2019-01-29", "11:50", ["possible marriage fraud"], "Answered questions about the marriage."))

    s.place(
        "VO",
        owner="OFF-EOC-2",
        created=local("2018-12-12", "15:00"),
        status="non_suspect",
        sought=VEHICLE,
        basis="Owns the vehicle in which a suspected caravan organizer was seen riding on December 9.",
        approved_by="OFF-EOC-3",
    )
    s.place(
        "VC",
        owner="OFF-EOC-2",
        created=local("2018-12-12", "15:10"),
        status="non_suspect",
        sought=VEHICLE,
        basis="Crossed the border once with the vehicle owner, in March 2018.",
        approved_by="OFF-EOC-3",
    )
    # Their one crossing together, nine months before either lookout existed.
    s.cross_unreferred("VO", local("2018-03-03", "12:00"), SAN_YSIDRO)
    s.cross_unreferred("VC", local("2018-03-03", "12:00"), SAN_YSIDRO)
    s.inspect("VO", iv("2018-12-17", "09:40", VEHICLE, "Lent the car to a friend of a friend; gave the name."))
    s.event("VO", local("2018-12-19", "10:00"), "referral_disabled", "OFF-EOC-2", "Question answered")
    s.cross_unreferred("VO", local("2019-01-07", "08:15"), SAN_YSIDRO)

    for key, day, second in (("AT1", "2018-12-11", "2019-01-04"), ("AT2", "2018-12-21", None)):
        s.place(
            key,
            owner="OFF-EOC-2",
            created=local("2018-12-03", "10:00"),
            status="non_suspect",
            sought=CHAT_ADMIN,
            basis="Crossed the border with a person believed to administer a caravan WhatsApp chat group.",
            approved_by="OFF-EOC-3",
            occupation="attorney",
        )
        got = "Represents asylum seekers; knows the administrator as a client's relative."
        interviews = [iv(day, "14:00", CHAT_ADMIN, got, officers=TTRT_B)]
        if second:
            interviews.append(iv(second, "09:20", CHAT_ADMIN, "Nothing beyond the first interview.", False))
        s.inspect(key, *interviews)

    for key, referred in (("E2A", True), ("E2B", False)):
        s.place(
            key,
            owner="OFF-EOC-2",
            created=local("2018-12-01", "09:00"),
            status="suspect",
            activity="Suspected of inciting violence at the November 25 incursion",
            sought=INCITEMENT,
            basis="Appears in video of the November 25 incursion urging the crowd toward the port.",
            approved_by="OFF-EOC-3",
        )
        if referred:
            s.inspect("E2A", iv("2018-12-09", "13:30", INCITEMENT, "Says he left before the rocks were thrown."))
            s.event("E2A", local("2018-12-12", "09:00"), "removed", "OFF-EOC-2", "Interviewed; no further need")


def _partner_agency(s: LookoutStory) -> None:
    """Four lookouts a partner agency's special agent placed on suspected smugglers."""
    for key in ("H1", "H2", "H3", "H4"):
        s.place(
            key,
            owner="OFF-HSI-1",
            created=local("2018-11-20", "10:00"),
            status="suspect",
            activity="Suspected of smuggling caravan members across the border for payment",
            sought=SMUGGLING,
            basis="Named by a cooperating witness as taking payments to move caravan families.",
            approved_by="OFF-EOC-4",
        )
    proper = DeviceSearch(
        performed=True,
        reason="Witness says payments were arranged by text message from this phone",
        supervisor_approval_id="OFF-TTRT-SUP",
        findings_documented=True,
    )
    s.inspect(
        "H1",
        iv(
            "2018-12-02",
            "10:00",
            SMUGGLING,
            "Denied taking payments; phone showed no such messages.",
            device_search=proper,
        ),
    )
    s.event("H1", local("2018-12-05", "11:00"), "referral_disabled", "OFF-HSI-1", "Witness account not corroborated")
    s.cross_unreferred("H1", local("2018-12-20", "07:45"), OTAY_MESA)
    s.inspect("H2", iv("2018-12-08", "10:00", SMUGGLING, "Denied involvement; gave employer details."))
    s.event("H2", local("2018-12-14", "15:00"), "removed", "OFF-HSI-1", "Case closed")
    s.inspect(
        "H3",
        iv("2018-12-03", "09:00", SMUGGLING, "Admitted driving families; denied payment.", device_search=proper),
        iv("2019-01-05", "15:30", SMUGGLING, "Nothing beyond the first interview.", False),
    )


def _airport_journalist(s: LookoutStory) -> None:
    """A journalist whose lookout a new analyst placed after a video; asked only on the third arrival."""
    s.place(
        "AJ",
        owner="OFF-INTEL-1",
        created=local("2019-01-04", "16:00"),
        status="suspect",
        activity="In possession of journalistic evidence of the January 1 incursion; "
        "may be involved with inciting caravan migrants to attempt illegal entry",
        sought=INCURSION_FOOTAGE,
        basis="Posted video coverage of the January 1 incursion.",
        occupation="journalist",
    )
    air = ["OFF-AIR-1", "OFF-AIR-2"]
    routine = "Occupation and employer recorded; nothing else."
    footage_search = DeviceSearch(
        performed=True,
        reason="Traveler said the camera's memory card holds footage of the January 1 incursion",
        supervisor_approval_id="OFF-TTRT-SUP",
        findings_documented=True,
    )
    s.inspect(
        "AJ",
        iv(
            "2019-01-13", "18:40", ["occupation", "employer"], routine, port=SAN_DIEGO_AIRPORT, officers=air, minutes=40
        ),
        iv(
            "2019-01-27",
            "21:05",
            ["occupation", "employer"],
            routine,
            False,
            port=LOS_ANGELES_AIRPORT,
            officers=air,
            minutes=35,
        ),
        iv(
            "2019-02-10",
            "17:15",
            INCURSION_FOOTAGE,
            "After calling the analyst, officers asked about the January 1 incursion.",
            True,
            port=SAN_DIEGO_AIRPORT,
            officers=air,
            device_search=footage_search,
        ),
    )


def _arizona_and_others(s: LookoutStory) -> None:
    """The Arizona organizer released twice on the owner's advice, and three more of the same owner."""
    s.place(
        "AZ",
        owner="OFF-EOC-6",
        created=local("2018-12-01", "12:00"),
        status="suspect",
        activity="Suspected of organizing caravan groups heading for Arizona ports",
        sought=ORGANIZING,
        basis="Organizer named in shelter announcements in Nogales, Sonora.",
        approved_by="OFF-EOC-3",
    )
    az = ["OFF-AZ-1"]
    release = "Officers called the lookout owner, who advised releasing him; released."
    s.inspect(
        "AZ",
        iv("2018-12-12", "10:00", [], None, None, port=NOGALES, officers=az, documented=False, minutes=None),
        iv("2018-12-14", "10:30", [], release, False, port=NOGALES, officers=az, minutes=15),
        iv("2018-12-15", "11:10", [], release, False, port=NOGALES, officers=az, minutes=10),
    )
    s.event("AZ", local("2018-12-16", "09:00"), "referral_disabled", "OFF-EOC-6", "Released twice on advice; disabled")

    for key, status in (("E6A", "suspect"), ("E6B", "suspect"), ("E6C", "non_suspect")):
        s.place(
            key,
            owner="OFF-EOC-6",
            created=local("2018-12-05", "09:30"),
            status=status,
            activity="Suspected of helping caravan members cross between ports" if status == "suspect" else None,
            sought=ORGANIZING,
            basis="Border Patrol reports place him with groups crossing between ports near Tecate."
            if status == "suspect"
            else "Shares an address with a suspected organizer.",
            approved_by="OFF-EOC-3",
        )
    s.inspect("E6A", iv("2019-01-03", "11:40", ORGANIZING, "Denied helping anyone cross; explained his work."))
    s.event("E6A", local("2019-01-04", "10:15"), "referral_disabled", "OFF-EOC-6", "Account credible; disabled")
    s.inspect("E6B", iv("2019-01-09", "15:20", ORGANIZING, "Described shuttle trips for a shelter.", officers=TTRT_B))


# The order in which the departing owner's lookouts were handed over.
TRANSFERRED_WITHOUT_NOTICE = (
    ["J2", "J3", "J4", "J5", "ADV"] + [f"S{i:02d}" for i in range(1, 16)] + [f"C{i:02d}" for i in range(1, 12)]
)
REMOVED_AFTER_PRESS = ["J2", "J3", "J4", "J5"] + [f"S{i:02d}" for i in range(5, 16)] + ["C09", "C10", "C11"]


def _end_of_detail_transfers(s: LookoutStory) -> None:
    """The first owner's detail ends: 31 lookouts handed over without notice, one with notice."""
    for n, key in enumerate(TRANSFERRED_WITHOUT_NOTICE):
        s.transfer(key, "OFF-EOC-5" if n % 2 == 0 else "OFF-EOC-7", notice=False)
    s.transfer("C12", "OFF-EOC-7", notice=True)


def _press_review(s: LookoutStory) -> None:
    """After a media story, the new owners review and remove 18 lookouts."""
    for n, key in enumerate(REMOVED_AFTER_PRESS):
        owner = s.lookouts[key]["owner_id"]
        moment = PRESS_REVIEW + timedelta(minutes=3 * n)
        s.event(key, moment, "reviewed", owner, "Reviewed after press coverage of caravan lookouts")
        s.event(key, moment + timedelta(minutes=1), "removed", owner, "No longer necessary")
