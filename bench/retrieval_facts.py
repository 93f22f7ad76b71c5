"""The retrieval benchmark's known answers: 60 hand-written facts, each stored once (a note, a text file or a
document) and asked for in two ways:

- `queries`: 1-2 paraphrases, worded differently from the text (synonyms, no shared rare word), as a person asks
  for something they wrote down months ago and no longer remember the words of;
- `exact` (54 of the facts): what a person types when they do remember one exact rare word of it (a name, code,
  number or product) plus a word of context, e.g. *Brightwave contract*, *HH-4471 heating*; the context word
  need not be the text's (*salary 25th* for *Salaries are paid on the 25th*).

`where` is a note's category, or a file's path (its suffix picks the format). A spreadsheet's text is its rows:
one line per row, cells separated by ` | `.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FACTS", "Fact"]


@dataclass(frozen=True)
class Fact:
    where: str
    title: str
    text: str
    queries: tuple[str, ...]  # paraphrases
    exact: str  # an exact-word query ("" for a fact without a word a person would remember)

    @property
    def is_note(self) -> bool:
        return not self.where.startswith("/")

    @property
    def suffix(self) -> str:
        return "" if self.is_note else self.where.rsplit(".", 1)[-1]

    @property
    def source(self) -> str:
        """notes, text files or documents (what the per-source figures are grouped by)."""
        if self.is_note:
            return "notes"
        return "text files" if self.suffix in ("md", "txt") else "documents"


def _f(where: str, title: str, text: str, *queries: str, exact: str = "") -> Fact:
    return Fact(where, title, text, queries, exact)


FACTS: list[Fact] = [
    # household
    _f("Home", "Boiler guarantee", "The boiler in the basement is under guarantee until March 2027; installed by "
       "Hansen Heating, contract HH-4471.", "when does the heater warranty expire", "who put in our central heating",
       exact="HH-4471 repair"),
    _f("Home", "Wifi", "Router admin page is at 192.168.1.1; the guest network is called Lighthouse and its "
       "passphrase is on the fridge magnet.", "where is the password for visitors' internet access",
       exact="Lighthouse guest login"),
    _f("Home", "Bins", "Recycling is collected every second Thursday; the green garden waste bin goes out on the "
       "first Monday of the month.", "which day do they pick up plastic and paper",
       "when to put the compost container on the street"),
    _f("Home", "Smoke alarms", "Batteries in the hallway and attic smoke detectors were replaced in October; next "
       "swap due next autumn.", "when did we last change the fire alarm cells"),
    _f("Home", "Spare key", "The spare house key is with Mrs. Okafor at number 14, not under the flowerpot any more.",
       "who has a copy of our front door key", exact="Okafor neighbour"),
    _f("Home", "Water meter", "Water meter reading on 1 January: 48213 cubic metres; the meter is behind the "
       "washing machine.", "what did the tap water counter show at new year"),
    _f("/Documents/Home/paint.md", "paint.md", "Living room walls: Farrow & Ball Skimming Stone, eggshell finish; "
       "two coats need about 5 litres.", "which colour did we use on the lounge", exact="Skimming Stone tin"),
    _f("Home", "Dishwasher", "Dishwasher error E24 means the drain hose is kinked or the filter is clogged; clean "
       "the filter at the bottom first.", "dish machine shows a fault code and will not pump out", exact="E24 fault"),
    # work
    _f("Work", "Q3 offsite", "The team offsite is booked at Lakeside Lodge, 14-16 September; budget approved by "
       "Priya.", "where is the company retreat in autumn", "who signed off the money for the team trip",
       exact="Lakeside Lodge dates"),
    _f("/Documents/Work/vpn.md", "vpn.md", "To reach the staging cluster connect to the vpn profile corp-eu-2 "
       "first, then ssh through bastion.internal.", "how do I get into the test servers from home",
       exact="corp-eu-2 login"),
    _f("/Documents/Work/oncall.md", "oncall.md", "On-call rotation: Marek covers weekends in May, Ines takes the "
       "public holidays; escalate to the duty manager after 30 minutes.",
       "who is responsible for pager duty on Saturdays in May", exact="Marek weekend shifts"),
    _f("/Documents/Work/Contract renewal.docx", "Contract renewal", "The consulting contract with Brightwave "
       "renews automatically on 1 July unless cancelled in writing three months before.",
       "deadline to terminate the agreement with the agency", exact="Brightwave invoice"),
    _f("Work", "Payroll", "Salaries are paid on the 25th; if that falls on a weekend, on the Friday before.",
       "what date does my wage arrive", exact="salary 25th"),
    _f("Work", "Printer", "The office printer on floor 3 is called HP-Atlas; jobs need the badge to be released.",
       "how do I collect my print jobs at work", exact="HP-Atlas toner"),
    _f("/Documents/Work/Minutes 2026-02.odt", "Minutes February", "Decision: we migrate the billing service to "
       "PostgreSQL 16 before the end of Q2; Tom owns the migration plan.",
       "which database are we moving invoicing to", "who leads the switch of the data store",
       exact="PostgreSQL upgrade"),
    _f("/Documents/Work/Expenses.xlsx", "Expenses", "Item | Amount | Status\nConference ticket Berlin | 690 | "
       "reimbursed\nHotel Lisbon | 412 | pending approval", "has my accommodation cost in Portugal been paid back",
       exact="Lisbon hotel refund"),
    _f("Work", "1:1 Lea", "Lea wants to move to the data platform team next year; discuss a mentoring plan with "
       "Sam.", "which colleague asked for a transfer to another group", exact="Lea team change"),
    _f("/Documents/Work/Security policy.pdf", "Security policy", "Laptops must use full disk encryption and lock "
       "after five minutes of inactivity. Passwords rotate every 180 days.",
       "how long before my computer screen has to lock automatically", exact="180-day password rule"),
    # travel
    _f("Travel", "Passport", "Passport number ends in 7731 and expires on 2 August 2028; renew six months before "
       "long trips.", "when is my travel document no longer valid", exact="passport 7731 renewal"),
    _f("Travel", "Japan trip", "Rail pass ordered for 14 days; pick it up at the Narita terminal 1 JR office on "
       "arrival.", "where do I collect the train ticket at the Tokyo airport", exact="Narita pickup"),
    _f("/Documents/Travel/packing.md", "packing.md", "Always pack: universal adapter, the blue rain jacket, motion "
       "sickness tablets for ferries.", "what do I take against nausea on boats", exact="rain jacket list"),
    _f("Travel", "Car rental Crete", "Rental car reservation with Avance, confirmation 88-KQ-21, full insurance "
       "included, pick up at Heraklion airport.", "booking code for the vehicle hire on the Greek island",
       exact="Avance car booking"),
    _f("/Documents/Travel/Trip budget.xlsx", "Trip budget", "Item | Cost\nFlights | 540\nFerry Piraeus-Naxos | "
       "86\nApartment Naxos 7 nights | 910", "how much did the lodging on the island cost for a week",
       exact="Naxos flat price"),
    _f("Travel", "Frequent flyer", "Miles & More number 992 0071 4432; status expires end of February unless two "
       "more flights.", "my airline loyalty membership id", exact="Miles & More card"),
    _f("Travel", "Visa", "The Indian e-visa was approved on 3 March, valid for 30 days from arrival, printout in "
       "the red folder.", "permit to enter India: how long can I stay", exact="e-visa dates"),
    _f("/Documents/Travel/hotel-berlin.txt", "hotel-berlin.txt", "Hotel Adler Berlin: late check-out until 14:00 "
       "confirmed, breakfast included, room 512.", "can we leave the accommodation in the afternoon",
       exact="Adler checkout time"),
    # health
    _f("Health", "Dentist", "Next dental cleaning with Dr. Varga on 12 May at 9:30; bring the insurance card.",
       "appointment for teeth hygiene", exact="Dr Varga time"),
    _f("Health", "Allergies", "Allergic to penicillin (rash in 2019); amoxicillin also to be avoided.",
       "which antibiotics give me a reaction", exact="penicillin reaction"),
    _f("/Documents/Health/Vaccinations.xlsx", "Vaccinations", "Vaccine | Date | Next\nTetanus | 2019-04-02 | "
       "2029\nTick-borne encephalitis | 2024-05-10 | 2027", "when is my next jab against tick bites due",
       exact="tetanus booster"),
    _f("Health", "Physio", "Physiotherapy for the left knee: wall sits and step-ups, three sets of twelve, daily.",
       "rehab routine for my leg joint", exact="step-ups knee exercise"),
    _f("/Documents/Health/Blood test.pdf", "Blood test", "Blood test results March: cholesterol 5.9 mmol/L "
       "slightly high, vitamin D low at 38 nmol/L.", "what were my lipid levels in spring",
       "lab result for the sunshine vitamin", exact="vitamin D level"),
    _f("Health", "Eye test", "Glasses prescription: right -1.75, left -2.00, astigmatism 0.5; the optician "
       "recommends a check in two years.", "how strong are my spectacles", exact="astigmatism glasses"),
    _f("Health", "Running", "Half marathon PB: 1:52:10 at the Riverside race; goal for next year is under 1:50.",
       "my best time over 21 km", exact="Riverside race time"),
    _f("/Documents/Health/sleep.md", "sleep.md", "Sleep diary: falling asleep takes longer after coffee past 3 pm; "
       "magnesium before bed helps.", "what keeps me awake at night", exact="magnesium bedtime"),
    # finance
    _f("Finance", "Mortgage", "Mortgage fixed rate 2.1% until November 2029 with Northbank; overpayments up to "
       "10% a year are free.", "when does our home loan interest stop being fixed",
       "can I pay off extra on the house loan without a penalty", exact="Northbank loan"),
    _f("/Documents/Finance/Tax 2025.docx", "Tax 2025", "Tax return 2025: home office deduction claimed for 210 "
       "days; the accountant is Ms. Braun, deadline 31 July.", "who is our bookkeeper for the yearly declaration",
       exact="Ms Braun tax"),
    _f("Finance", "Car insurance", "Car insurance with Vela renews on 1 December; no-claims bonus class SF 12, "
       "premium 486 euros.", "how much do we pay per year to cover the vehicle", exact="Vela car insurance cost"),
    _f("/Documents/Finance/Subscriptions.xlsx", "Subscriptions", "Service | Price | Billed\nStreaming | 13.99 | "
       "monthly\nCloud storage | 99 | yearly\nNewspaper | 24.50 | monthly\nGym | 39 | monthly",
       "what does the fitness club membership cost", exact="streaming price"),
    _f("Finance", "Pension", "Company pension contributions: 5% from me, 6% matched by the employer; the statement "
       "arrives each April.", "how much does my boss add to retirement savings"),
    _f("/Documents/Finance/Loan to Jonas.odt", "Loan to Jonas", "Lent my brother Jonas 1,500 euros on 4 January; "
       "he pays back 250 euros per month starting in March.", "how is my sibling repaying what he borrowed",
       exact="Jonas repayment"),
    _f("Finance", "Bank", "The savings account moved to Greenleaf Bank; IBAN ends 4410, interest 3.2% until the "
       "end of the year.", "which lender holds our deposit and what does it earn", exact="Greenleaf interest rate"),
    _f("/Documents/Finance/Electricity bill.pdf", "Electricity bill", "Electricity bill 2025: 3,412 kWh consumed, "
       "monthly instalment raised to 118 euros from February.", "how much power did we use last year",
       exact="kWh last year"),
    # hobbies
    _f("Hobbies", "Sourdough", "Sourdough starter Bertha is fed 1:1:1 every evening; bake when it doubles within "
       "six hours.", "how often do I feed the bread culture", exact="Bertha feeding"),
    _f("Hobbies", "Guitar", "Guitar strings: D'Addario EJ16 light gauge; the action on the Martin was lowered in "
       "January.", "which brand of strings for my acoustic instrument", exact="EJ16 gauge"),
    _f("/Documents/Hobbies/garden.md", "garden.md", "Tomatoes go out after the Ice Saints in mid May; plant basil "
       "between them to keep whitefly away.", "when is it safe to put the seedlings outdoors",
       "herb that repels pests among vegetables", exact="Ice Saints planting"),
    _f("Hobbies", "Book club", "Book club meets the last Wednesday of the month at Cafe Miro; next book is The "
       "Overstory.", "where does the reading group get together", exact="Cafe Miro meeting"),
    _f("/Documents/Hobbies/chess.txt", "chess.txt", "Chess: opening repertoire is the London System with white and "
       "the Caro-Kann with black.", "what defence do I play as the second player", exact="Caro-Kann opening"),
    _f("Hobbies", "Climbing", "Climbing gym membership card number 5531; bouldering shoes are size 41.5.",
       "footwear size for the boulder hall", exact="bouldering card number"),
    _f("/Documents/Hobbies/Choir concert.docx", "Choir concert", "The choir's winter concert is on 13 December at "
       "St. Mary's; rehearsals every Tuesday at 19:30.", "when do the singers practise", exact="St. Mary's rehearsal"),
    _f("/Documents/Hobbies/aurora.txt", "aurora.txt", "Camera settings for the northern lights: ISO 1600, f/2.8, "
       "10 second exposure, manual focus at infinity.", "how to photograph the aurora borealis",
       exact="ISO 1600 night photo"),
    _f("/Documents/Hobbies/Bike tour.odt", "Bike tour", "The Danube cycle route from Passau to Vienna is 320 km; "
       "we plan 6 days with a luggage transfer service.", "how long is the river ride to Austria's capital",
       exact="Passau route"),
    # family
    _f("Family", "Kids school", "School starts at 8:05; Emma's PE days are Monday and Thursday, she needs trainers "
       "and a water bottle.", "which days does my daughter have sports class", exact="Emma gym days"),
    _f("Family", "Grandma birthday", "Grandma Rosa turns 85 on 9 June; party at the Linden restaurant, she wishes "
       "for an orchid.", "what present for granny", exact="Rosa 85"),
    _f("Family", "Vet", "The cat Miso gets her yearly vaccine at the Parkside vet in October; she weighs 4.3 kg.",
       "when does our pet need her shots", exact="Miso weight"),
    _f("/Documents/Family/babysitter.md", "babysitter.md", "Babysitter Hana charges 14 euros per hour and is free "
       "on Friday evenings; phone number in contacts.", "how much does the childminder cost",
       exact="Hana babysitting price"),
    _f("Family", "Car service", "The car's next service is due at 60,000 km or in September; winter tyres are "
       "stored at the garage.", "where are my snow tyres kept", exact="60,000 km inspection"),
    _f("/Documents/Family/Chores.xlsx", "Chores", "Chore | Who\nVacuuming | Leo\nLaundry | Emma\nWatering plants | "
       "Dad", "who does the hoovering"),
    _f("/Documents/Family/Lease.pdf", "Lease", "The apartment lease ends on 31 August 2027; the notice period is "
       "three months; the deposit is 2,400 euros.", "how much did we pay as security to the landlord"),
    _f("Family", "Wedding", "Sara and Tom's wedding is on 20 September in Porto; we booked the Ribeira guesthouse "
       "for three nights.", "where are we staying for the marriage celebration", exact="Ribeira booking"),
    _f("/Documents/Family/Lasagne.docx", "Lasagne", "Grandma's lasagne: bake 45 minutes at 180 degrees, rest 15 "
       "minutes before cutting.", "oven temperature for the pasta bake", exact="lasagne oven"),
]  # fmt: skip
