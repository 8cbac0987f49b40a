"""The demo data plan behind ``manage.py seed_demo``.

Pure Python, no database: ``build_plan`` turns a seed into customers, premises,
accounts, a year of monthly bills and a payment habit per account, and
``payment_amount`` decides each month's payment from the balance at that point.
The command turns the plan into records through the services and the ledger.
Names, streets and amounts are invented; phone numbers use the 555 exchange and
e-mail addresses the example.* domains that are reserved for fiction.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from accounts.choices import AccountClass, AccountStatus, CustomerKind, FlagKind, NoteKind
from billing_site.common.money import ZERO, quantize_half_up

CITY, STATE = "Tallahassee", "FL"
MONTHS = 12


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(";"))


def _streets(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((street, zip_code) for street, zip_code in (i.split(":") for i in _items(text)))


FIRST_NAMES = _words(
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy "
    "Matthew Betty Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily "
    "Joshua Donna Kenneth Michelle Kevin Carol Brian Amanda Timothy Melissa Ronald Deborah "
    "Jason Stephanie Latoya Andre Keisha DeShawn Tamika Marcus Jamal Ebony Terrence Imani "
    "Zoë José Renée Chloé François Siobhán Bjørn Inés Mónica Jesús Noémie Ángel Søren "
    "Wei Mei Hiroshi Priya Arjun Fatima Omar Nguyen Minh Olga Dmitri Aaliyah Mateo Camila"
)

LAST_NAMES = (
    *_words(
        "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
        "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
        "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
        "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
        "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
        "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
        "Kelly Howard Kim Cox Ward Richardson Watson Brooks Wood James Bennett Gray Mendoza "
        "Washington Okafor Adeyemi Patel Shah Chen Wang Nakamura Kowalski Novak Schmidt Müller "
        "Núñez Muñoz Peña Ibáñez Galván Lefèvre Brontë Åberg Sørensen "
        "O'Brien O'Connor O'Neal D'Angelo D'Souza McAllister"
    ),
    "St. Clair",
)

# Lists are written as "a; b; c" to keep them compact; _items() splits them.
# Streets as "street:ZIP": each street lies in one ZIP code of the city.
RESIDENTIAL_STREETS = _streets(
    "Oak Ridge Dr:32305; Dogwood Way:32303; Hickory Hill Ln:32312; Shady Pine Ct:32308; "
    "Live Oak Plantation Rd:32312; Magnolia Dr:32301; Miccosukee Rd:32308; "
    "Centerville Rd:32308; Old Bainbridge Rd:32303; Lake Bradford Rd:32310; "
    "Meridian Rd:32303; Kerry Forest Pkwy:32309; Bannerman Rd:32312; Killarney Way:32309; "
    "Sharer Rd:32312; Mabry St:32304; Chapel Dr:32304; Hillcrest St:32308; Beard St:32303; "
    "Pontiac Dr:32301; Lafayette St:32301; Camellia Dr:32305; Azalea Dr:32308; "
    "Briarcliff Rd:32308; Cherokee Dr:32301; Seminole Dr:32301; Gadsden St:32303; "
    "Maclay Rd:32312; Timberlane Rd:32312; Ox Bottom Rd:32312; Velda Dairy Rd:32309; "
    "Crump Rd:32309; Pimlico Dr:32309; Wakulla Springs Rd:32305; Orange Ave:32310; "
    "Jackson Bluff Rd:32304; San Luis Rd:32304; Tharpe St:32303; Ocala Rd:32304; "
    "Blountstown Hwy:32304; Roberts Ave:32310; Paul Russell Rd:32301; Delta Blvd:32303; "
    "Gilmore St:32304; Belle Vue Way:32304"
)
COMMERCIAL_STREETS = _streets(
    "N Monroe St:32303; Thomasville Rd:32308; Apalachee Pkwy:32301; W Tennessee St:32304; "
    "Mahan Dr:32308; Capital Cir NE:32308; Capital Cir SW:32310; Blair Stone Rd:32301; "
    "S Adams St:32301; E Park Ave:32301; W Gaines St:32301; E Call St:32301; "
    "Railroad Ave:32310; W Pensacola St:32304; Industrial Dr:32310; "
    "Commonwealth Blvd:32303; Mill St:32310; Woodville Hwy:32305"
)
PLACES = _items(
    "Capital City; Red Hills; Magnolia; Lake Jackson; Apalachee; Canopy; Killearn; "
    "Midtown; Southwood; Frenchtown; Myers Park; Seminole; Gadsden; Bradfordville; "
    "Lake Ella; Cascades; Railroad Square; Indianhead; Betton Hills"
)
BUSINESSES = _items(
    "Dental Group; Auto Repair; Laundromat; Bakery; Family Pharmacy; Veterinary Clinic; "
    "Car Wash; Fitness Center; Diner; Café; Hardware; Florist; Barbershop; Dry Cleaners; "
    "Pizza Co.; Tire & Auto; Child Care Center; Chiropractic; Law Office; Animal Hospital; "
    "Coffee Roasters; Pet Grooming; Nail Salon; Print Shop; Brewing Company; Taquería; "
    "Urgent Care; Yoga Studio"
)
INDUSTRIES = _items(
    "Concrete Products; Bottling Co.; Linen Services; Cold Storage Inc.; "
    "Metal Fabricators; Poultry Processing; Plastics Corp.; Asphalt & Paving; Ice Company; "
    "Commercial Laundry; Printing & Packaging; Food Distributors"
)
ODD_BUSINESSES = _items(
    "Joe's Diner; Dottie's Soul Food; Señor Tito's Taquería; Café Olé; Bella's Bistro; "
    "Mom & Pop's Hardware; The Crêpe Place; Renée's Florist"
)
LANDLORD_FIRMS = _items(
    "Magnolia Property Management LLC; Red Hills Rentals Inc.; Canopy Residential LLC; "
    "O'Connell Family Properties; Seminole Apartment Homes LP; Lake Ella Lofts LLC; "
    "Frenchtown Housing Cooperative; Southwood Villas HOA; Capital Student Housing LLC; "
    "Betton Hills Townhomes LLC; Killearn Duplex Partners; Myers Park Flats LLC"
)
APARTMENTS = _items("Apartments; Villas; Commons; Townhomes; Gardens; Flats; Lofts")
SCHOOLS = _items(
    "Riley Elementary School; Sealey Elementary School; Cobb Middle School; "
    "Leon High School; Rickards High School; Hartsfield Elementary School; "
    "Griffin Middle School; Kate Sullivan Elementary School"
)

NOTES = (
    "Customer called about a high bill; advised to check the toilet flapper. Will call back "
    "after the next read.",
    "Mailing address confirmed by phone.",
    "Customer asked about e-billing; sent the sign-up link by e-mail.",
    "Meter box lid cracked; field ticket requested.",
    "Payment arrangement discussed; customer will pay the balance by the 15th.",
    "Customer disputes the July read; re-read requested.",
    "Returned check from the bank (insufficient funds); customer notified by phone.",
    "Caller was not on the account; no account details given out.",
    "Customer reports low water pressure in the mornings; referred to water operations.",
    "Leak at the curb stop reported by neighbour; crew dispatched.",
)
FOOTNOTES = (
    "Meter behind a locked gate: call before visiting. Gate code is on file with field services.",
    "Large dog in the back yard.",
    "Customer is hard of hearing; prefers e-mail or text.",
    "Spanish-speaking household; offer the interpreter line.",
    "Bills go to the property manager; the tenant pays at the counter.",
)
FLAG_REASONS: dict[str, tuple[str, ...]] = {
    FlagKind.CASH_ONLY: (
        "Two returned checks in twelve months.",
        "Returned check and a card charge-back this year.",
    ),
    FlagKind.DO_NOT_DISCONNECT: (
        "Medical certificate on file: oxygen concentrator in the home.",
        "Physician's letter: resident on home dialysis.",
        "Hurricane-season moratorium granted by the utility director.",
    ),
    FlagKind.MEDICAL_NEED: ("Resident uses a home nebulizer; certificate renewed yearly.",),
    FlagKind.DISPUTE: ("High-bill dispute under review; leak adjustment requested.",),
    FlagKind.NO_LATE_FEE: ("Enrolled in the senior citizen late-fee waiver program.",),
    FlagKind.RETURNED_MAIL: ("Last two bills returned by the post office as undeliverable.",),
    FlagKind.IN_COLLECTIONS: ("Prior account's final bill referred to the collection agency.",),
}

# How a customer pays, with its share of ordinary accounts and a floor so even a
# small seed has some credit ("rounds_up", "prepaid") and some arrears ("overdue").
HABITS: dict[str, tuple[int, int]] = {
    "prompt": (52, 0),
    "autopay": (12, 0),
    "rounds_up": (5, 1),
    "prepaid": (3, 1),
    "partial": (10, 1),
    "late": (10, 1),
    "overdue": (8, 2),
}


@dataclass
class CustomerPlan:
    """The field values of a ``Customer``."""

    fields: dict[str, str]


@dataclass
class PremisePlan:
    """The field values of a ``Premise`` (a service address)."""

    fields: dict[str, str]


@dataclass
class AccountPlan:
    """One account: where, for whom, its bills month by month and how it pays."""

    key: int
    customer: CustomerPlan
    premise: PremisePlan
    account_class: str
    start_date: date
    bills: list[dict[str, Decimal]]  # per service month: service code -> amount
    usage: list[Decimal | None]  # thousand gallons per month, when metered
    habit: str = "prompt"
    stops_paying: int = MONTHS  # no payments from this service month on
    end_status: str = AccountStatus.ACTIVE
    is_master: bool = False
    master: AccountPlan | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)
    flags: list[tuple[str, str, int | None]] = field(default_factory=list)  # kind, why, days


@dataclass
class DemoPlan:
    months: list[date]
    accounts: list[AccountPlan]


def service_months(today: date) -> list[date]:
    """The first days of the twelve complete months before ``today``'s month."""
    months = []
    year, month = today.year, today.month
    for _ in range(MONTHS):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append(date(year, month, 1))
    return months[::-1]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


# -- bills ---------------------------------------------------------------------

WATER_BASE: dict[str, Decimal] = {
    AccountClass.RESIDENTIAL: Decimal("12.85"),
    AccountClass.MULTI_FAMILY: Decimal("9.60"),
    AccountClass.COMMERCIAL: Decimal("28.40"),
    AccountClass.INDUSTRIAL: Decimal("96.50"),
    AccountClass.INSTITUTIONAL: Decimal("45.00"),
}
SEWER_BASE, SEWER_RATE = Decimal("15.20"), Decimal("6.45")
SEWER_RESIDENTIAL_CAP = Decimal("10")  # kgal: summer irrigation is not billed as sewer
STORM_ERU = Decimal("8.10")


def water_charge(account_class: str, kgal: Decimal) -> Decimal:
    """Residential rates are tiered (conservation pricing); the rest pay a flat rate."""
    base = WATER_BASE[account_class]
    if account_class not in (AccountClass.RESIDENTIAL, AccountClass.MULTI_FAMILY):
        return quantize_half_up(base + kgal * Decimal("4.35"))
    tiers = ((Decimal("5"), Decimal("3.95")), (Decimal("10"), Decimal("4.85")))
    total, left = base, kgal
    for size, rate in tiers:
        part = min(left, size)
        total += part * rate
        left -= part
    return quantize_half_up(total + left * Decimal("6.10"))


def sewer_charge(account_class: str, kgal: Decimal) -> Decimal:
    billed = min(kgal, SEWER_RESIDENTIAL_CAP) if account_class == "residential" else kgal
    return quantize_half_up(SEWER_BASE + billed * SEWER_RATE)


@dataclass
class _Meter:
    """What drives an account's bill: typical use, seasonality, stormwater ERUs, trash."""

    kgal: float
    summer: float
    erus: Decimal
    trash: Decimal
    water: bool = True
    sewer: bool = True


def _bills(
    rng: random.Random, cls: str, meter: _Meter, months: list[date], first: int
) -> tuple[list[dict[str, Decimal]], list[Decimal | None]]:
    """Monthly bills from service month ``first`` on (trimmed later for move-outs)."""
    bills: list[dict[str, Decimal]] = []
    usage: list[Decimal | None] = []
    for index, month in enumerate(months):
        if index < first:
            bills.append({})
            usage.append(None)
            continue
        season = 1 + meter.summer * math.cos(2 * math.pi * (month.month - 7) / 12)
        kgal = Decimal(str(round(meter.kgal * season * rng.uniform(0.85, 1.15), 1)))
        bill: dict[str, Decimal] = {}
        if meter.water:
            bill["WATER"] = water_charge(cls, kgal)
        if meter.sewer:
            bill["SEWER"] = sewer_charge(cls, kgal)
        if meter.erus:
            bill["STORM"] = quantize_half_up(meter.erus * STORM_ERU)
        if meter.trash:
            bill["TRASH"] = meter.trash
        bills.append(bill)
        usage.append(kgal if meter.water else None)
    return bills, usage


def _meter(rng: random.Random, cls: str) -> _Meter:
    d = Decimal
    if cls == AccountClass.RESIDENTIAL:
        cart = rng.choice([d("21.75"), d("26.40"), d("26.40")])
        return _Meter(
            rng.uniform(3, 8), 0.3, rng.choice([d("0.6"), d("1"), d("1"), d("1.5")]), cart
        )
    if cls == AccountClass.MULTI_FAMILY:  # one meter for a whole building
        return _Meter(rng.uniform(25, 90), 0.15, d(rng.randint(4, 16)), d("286.00"))
    if cls == AccountClass.COMMERCIAL:
        dumpster = rng.choice([d("118.00"), d("118.00"), d("286.00"), d("612.00")])
        return _Meter(rng.uniform(8, 80), 0.1, d(rng.randint(2, 40)), dumpster)
    if cls == AccountClass.INDUSTRIAL:
        rolloff = rng.choice([d("845.00"), ZERO])  # some use a private hauler
        return _Meter(rng.uniform(200, 2000), 0.05, d(rng.randint(20, 150)), rolloff)
    return _Meter(rng.uniform(40, 300), 0.2, d(rng.randint(10, 60)), d("612.00"))


# -- payments --------------------------------------------------------------------


def payment_amount(
    plan: AccountPlan,
    *,
    month: int,
    balance: Decimal,
    rng: random.Random,
    bill: Decimal | None = None,
) -> Decimal:
    """What ``plan``'s customer pays after month ``month``'s bill (ZERO: nothing).

    ``bill``: the new charges of the real bill (the demo year's bill runs); without
    it, the plan's own estimate of the month's bill."""
    habit, owed = plan.habit, max(balance, ZERO)
    if bill is None:
        bill = sum(plan.bills[month].values(), ZERO)
    if month >= plan.stops_paying:
        return ZERO
    if habit == "autopay":
        amount = bill
    elif habit == "rounds_up":  # pays a round figure, building up a credit
        amount = Decimal(math.ceil((bill + 5) / 10) * 10) if bill else ZERO
    elif habit == "prepaid":  # pays in full, then prepays in the last month
        amount = owed + (Decimal(rng.choice([100, 150, 200, 300])) if month == MONTHS - 1 else 0)
    elif habit == "partial":  # pays part of what is owed, sometimes all of it
        share = Decimal(1) if rng.random() < 0.25 else Decimal(rng.randint(40, 85)) / 100
        amount = quantize_half_up(owed * share)
    elif habit == "late":  # skips a month now and then, then catches up
        amount = ZERO if rng.random() < 0.3 else owed
    else:  # prompt, and overdue accounts before they stopped paying
        amount = owed
    return max(amount, ZERO)


def tender_memo(rng: random.Random, habit: str) -> str:
    if habit == "autopay":
        return "autopay bank draft"
    roll = rng.random()
    if roll < 0.35:
        return f"check #{rng.randint(1001, 9899)}"
    if roll < 0.55:
        return "cash at the counter"
    if roll < 0.85:
        brand = rng.choice(["Visa", "Mastercard", "Discover", "Amex"])
        return f"{brand} ending {rng.randint(0, 9999):04d}, auth {rng.randint(0, 0xFFFFFF):06X}"
    return rng.choice(["money order", "mailed check", "online payment portal"])


# -- people, places and accounts ------------------------------------------------


class _Generator:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.months = service_months(today)
        self.used_addresses: set[str] = set()
        self.used_names: set[str] = set()
        self.next_key = 1

    def phone(self) -> str:
        area = self.rng.choice(["850"] * 8 + ["904", "229", "407"])
        return f"{area}555{self.rng.randint(0, 9999):04d}"

    def address(self, streets: tuple[tuple[str, str], ...], line2: str = "") -> PremisePlan:
        while True:
            street, zip_code = self.rng.choice(streets)
            line1 = f"{self.rng.randint(100, 9899)} {street}"
            if f"{line1}|{line2}" not in self.used_addresses:
                self.used_addresses.add(f"{line1}|{line2}")
                break
        return PremisePlan(
            {"line1": line1, "line2": line2, "city": CITY, "state": STATE, "zip_code": zip_code}
        )

    def person(self, home: PremisePlan) -> CustomerPlan:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        fields = {"kind": CustomerKind.PERSON, "first_name": first, "last_name": last}
        if rng.random() < 0.75:
            fields["phone"] = self.phone()
        if rng.random() < 0.15:
            fields["alt_phone"] = self.phone()
        if rng.random() < 0.6:
            domain = rng.choice(["example.com", "example.org", "example.net"])
            fields["email"] = f"{ascii_slug(first)}.{ascii_slug(last)}{rng.randint(1, 99)}@{domain}"
        mailing = home.fields
        if rng.random() < 0.08:  # bills go elsewhere: a PO box or an out-of-town address
            mailing = {"line1": f"PO Box {rng.randint(1000, 20999)}", "line2": "", "city": CITY,
                       "state": STATE, "zip_code": "32302"}  # fmt: skip
        return CustomerPlan({**fields, **_mailing(mailing)})

    def organisation(self, name: str, office: PremisePlan) -> CustomerPlan:
        fields = {"kind": CustomerKind.ORGANISATION, "organisation_name": name}
        fields["phone"] = self.phone()
        fields["email"] = f"billing@{ascii_slug(name)[:40]}.example.com"
        return CustomerPlan({**fields, **_mailing(office.fields)})

    def business_name(self, kinds: tuple[str, ...]) -> str:
        for _ in range(50):
            if kinds is BUSINESSES and self.rng.random() < 0.06:
                name = self.rng.choice(ODD_BUSINESSES)
            else:
                name = f"{self.rng.choice(PLACES)} {self.rng.choice(kinds)}"
            if name not in self.used_names:
                break
        self.used_names.add(name)
        return name

    def account(
        self, customer: CustomerPlan, premise: PremisePlan, cls: str, meter: _Meter
    ) -> AccountPlan:
        first = 0 if self.rng.random() > 0.08 else self.rng.randint(1, MONTHS - 2)
        bills, usage = _bills(self.rng, cls, meter, self.months, first)
        if first:
            start = self.months[first] + timedelta(days=self.rng.randint(0, 9))
        else:
            start = date(self.rng.randint(1996, self.months[0].year - 1), 1, 1) + timedelta(
                days=self.rng.randint(0, 364)
            )
        plan = AccountPlan(self.next_key, customer, premise, cls, start, bills, usage)
        self.next_key += 1
        return plan

    def single(self, cls: str) -> AccountPlan:
        streets = RESIDENTIAL_STREETS if cls == AccountClass.RESIDENTIAL else COMMERCIAL_STREETS
        premise = self.address(streets)
        if cls == AccountClass.RESIDENTIAL:
            customer = self.person(premise)
        elif cls == AccountClass.MULTI_FAMILY:
            customer = self.organisation(self.business_name(APARTMENTS), premise)
        else:
            kinds = INDUSTRIES if cls == AccountClass.INDUSTRIAL else BUSINESSES
            customer = self.organisation(self.business_name(kinds), premise)
        return self.account(customer, premise, cls, _meter(self.rng, cls))

    def landlord(self, units: int) -> list[AccountPlan]:
        """An apartment building: the owner's master account (common areas) and one per unit."""
        building = self.address(COMMERCIAL_STREETS + RESIDENTIAL_STREETS)
        office = self.address(COMMERCIAL_STREETS, line2="Suite 200")
        firms = [firm for firm in LANDLORD_FIRMS if firm not in self.used_names]
        name = self.rng.choice(firms) if firms else self.business_name(APARTMENTS)
        self.used_names.add(name)
        owner = self.organisation(name, office)
        common = _Meter(self.rng.uniform(5, 20), 0.5, Decimal(self.rng.randint(3, 10)),
                        Decimal("286.00"), sewer=False)  # fmt: skip
        master = self.account(owner, building, AccountClass.MULTI_FAMILY, common)
        master.is_master = True
        subs = []
        for number in range(1, units + 1):
            unit = PremisePlan({**building.fields, "line2": f"Apt {100 + number}"})
            meter = _Meter(self.rng.uniform(2, 4.5), 0.05, ZERO, ZERO)
            sub = self.account(owner, unit, AccountClass.MULTI_FAMILY, meter)
            sub.master = master
            subs.append(sub)
        return [master, *subs]

    def school_district(self, schools: int) -> list[AccountPlan]:
        office = self.address(COMMERCIAL_STREETS, line2="Facilities Office")
        district = self.organisation("Capital City School District", office)
        master = self.account(
            district, office, AccountClass.INSTITUTIONAL, _meter(self.rng, "institutional")
        )
        master.is_master = True
        subs = []
        for name in SCHOOLS[:schools]:
            site = self.address(RESIDENTIAL_STREETS)
            sub = self.account(
                district, site, AccountClass.INSTITUTIONAL, _meter(self.rng, "institutional")
            )
            sub.master = master
            sub.notes.append((NoteKind.FOOTNOTE, f"{name}: irrigation and domestic meters."))
            subs.append(sub)
        return [master, *subs]


def _mailing(address: dict[str, str]) -> dict[str, str]:
    return {
        "mailing_line1": address["line1"],
        "mailing_line2": address["line2"],
        "mailing_city": address["city"],
        "mailing_state": address["state"],
        "mailing_zip": address["zip_code"],
    }


def build_plan(*, accounts: int, seed: int, today: date) -> DemoPlan:
    """A deterministic plan of exactly ``accounts`` accounts for ``seed``."""
    rng = random.Random(seed)
    gen = _Generator(rng, today)
    plans: list[AccountPlan] = []
    for _ in range(max(1, accounts // 300) if accounts >= 12 else 0):
        plans += gen.landlord(units=rng.randint(3, 8))
    if accounts >= 100:
        plans += gen.school_district(schools=rng.randint(5, len(SCHOOLS)))
    plans.sort(key=lambda plan: not plan.is_master)  # masters are opened before their subs
    plans = plans[:accounts]
    rest = accounts - len(plans)
    shares = {
        AccountClass.COMMERCIAL: 0.10,
        AccountClass.INDUSTRIAL: 0.02,
        AccountClass.MULTI_FAMILY: 0.03,
    }
    classes = [cls for cls, share in shares.items() for _ in range(round(rest * share))]
    classes = (classes + [AccountClass.RESIDENTIAL] * rest)[:rest]
    rng.shuffle(classes)
    singles = [gen.single(cls) for cls in classes]
    _assign_lifecycle(rng, gen, singles)
    _assign_habits(rng, [p for p in singles if p.end_status == AccountStatus.ACTIVE])
    _share_owners(rng, singles)
    plans += singles
    for plan in plans:
        _add_notes_and_flags(rng, plan)
    return DemoPlan(gen.months, plans)


def _assign_lifecycle(rng: random.Random, gen: _Generator, singles: list[AccountPlan]) -> None:
    """A few accounts closed (a new customer now lives there), final, or just opened."""
    homes = [p for p in singles if p.account_class == AccountClass.RESIDENTIAL]
    rng.shuffle(homes)
    established = [p for p in homes if p.bills[0]]
    n = len(homes)
    closed, final, pending = max(1, n // 50), max(1, n // 50), max(1, n // 200)
    if len(established) < closed + final or n < 2 * closed + final + pending:
        return
    movers, finals = established[:closed], established[closed : closed + final]
    others = [p for p in homes if p not in movers and p not in finals]
    for old, new in zip(movers, others[:closed], strict=True):
        moved_out = rng.randint(2, MONTHS - 3)
        old.end_status = AccountStatus.CLOSED
        old.habit, old.stops_paying = "prompt", MONTHS
        old.bills = [b if i <= moved_out else {} for i, b in enumerate(old.bills)]
        new.premise = old.premise  # the next occupant opened an account at the same address
        new.customer.fields.update(_mailing(old.premise.fields))
        new.start_date = gen.months[moved_out + 1] + timedelta(days=rng.randint(0, 9))
        new.bills = [b if i > moved_out else {} for i, b in enumerate(new.bills)]
    for plan in finals:  # moved away recently; the last bill or two are unpaid
        moved_out = rng.randint(MONTHS - 3, MONTHS - 1)
        plan.end_status = AccountStatus.FINAL
        plan.stops_paying = moved_out - rng.randint(0, 1)
        plan.bills = [b if i <= moved_out else {} for i, b in enumerate(plan.bills)]
    for plan in others[closed : closed + pending]:
        plan.end_status = AccountStatus.PENDING
        plan.start_date = gen.today - timedelta(days=rng.randint(0, 6))
        plan.bills = [{} for _ in plan.bills]


def _assign_habits(rng: random.Random, plans: list[AccountPlan]) -> None:
    total = sum(weight for weight, _floor in HABITS.values())
    habits: list[str] = []
    for habit, (weight, floor) in HABITS.items():
        if habit != "prompt":
            habits += [habit] * max(floor, round(len(plans) * weight / total))
    habits = (habits + ["prompt"] * len(plans))[: len(plans)]
    rng.shuffle(habits)
    for plan, habit in zip(plans, habits, strict=True):
        plan.habit = habit
        if habit == "overdue":  # stopped paying three to five months ago
            plan.stops_paying = MONTHS - rng.randint(3, 5)


def _share_owners(rng: random.Random, singles: list[AccountPlan]) -> None:
    """Some people own a second house (a rental): both accounts in one customer's name."""
    homes = [
        p
        for p in singles
        if p.account_class == AccountClass.RESIDENTIAL and p.end_status == AccountStatus.ACTIVE
    ]
    for owner, rental in zip(homes[0::2], homes[1::2], strict=False):
        if rng.random() < 0.03:
            rental.customer = owner.customer


def _add_notes_and_flags(rng: random.Random, plan: AccountPlan) -> None:
    if plan.end_status == AccountStatus.CLOSED:
        plan.notes.append((NoteKind.NOTE, "Customer moved out; final bill paid in full."))
        return
    if rng.random() < 0.12:
        plan.notes += [(NoteKind.NOTE, rng.choice(NOTES)) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.03:
        plan.notes.append((NoteKind.FOOTNOTE, rng.choice(FOOTNOTES)))
    if plan.end_status != AccountStatus.ACTIVE:
        return
    roll = rng.random()
    if roll < 0.03 or (plan.habit == "late" and roll < 0.2):
        plan.flags.append((FlagKind.CASH_ONLY, rng.choice(FLAG_REASONS[FlagKind.CASH_ONLY]), None))
    elif roll < 0.05:
        why = rng.choice(FLAG_REASONS[FlagKind.DO_NOT_DISCONNECT])
        plan.flags.append((FlagKind.DO_NOT_DISCONNECT, why, rng.randint(20, 180)))
    elif roll < 0.055:
        why = FLAG_REASONS[FlagKind.MEDICAL_NEED][0]
        plan.flags.append((FlagKind.MEDICAL_NEED, why, rng.randint(60, 365)))
    elif roll < 0.065:
        plan.flags.append((FlagKind.DISPUTE, FLAG_REASONS[FlagKind.DISPUTE][0], None))
    elif roll < 0.08:
        plan.flags.append((FlagKind.NO_LATE_FEE, FLAG_REASONS[FlagKind.NO_LATE_FEE][0], None))
    elif roll < 0.085:
        plan.flags.append((FlagKind.RETURNED_MAIL, FLAG_REASONS[FlagKind.RETURNED_MAIL][0], None))
    elif roll < 0.09:
        why = FLAG_REASONS[FlagKind.IN_COLLECTIONS][0]
        plan.flags.append((FlagKind.IN_COLLECTIONS, why, None))


def federal_holidays(year: int) -> list[tuple[date, str]]:
    """The US federal holidays of ``year``, moved to Friday or Monday when on a weekend."""

    def nth(weekday: int, month: int, n: int) -> date:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))

    def last(weekday: int, month: int) -> date:
        day = date(year, month + 1, 1) - timedelta(days=1)
        return day - timedelta(days=(day.weekday() - weekday) % 7)

    def observed(day: date) -> date:
        return day + timedelta(days={5: -1, 6: 1}.get(day.weekday(), 0))

    return [
        (observed(date(year, 1, 1)), "New Year's Day"),
        (nth(0, 1, 3), "Martin Luther King Jr. Day"),
        (nth(0, 2, 3), "Presidents' Day"),
        (last(0, 5), "Memorial Day"),
        (observed(date(year, 6, 19)), "Juneteenth"),
        (observed(date(year, 7, 4)), "Independence Day"),
        (nth(0, 9, 1), "Labor Day"),
        (nth(0, 10, 2), "Columbus Day"),
        (observed(date(year, 11, 11)), "Veterans Day"),
        (nth(3, 11, 4), "Thanksgiving Day"),
        (observed(date(year, 12, 25)), "Christmas Day"),
    ]
