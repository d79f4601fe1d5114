"""Builds labelled.csv: texts with planted personal spans marked, and clean texts (no personal data).

Every name, address and number here is invented. A planted span is written ``[[kind:text]]`` with kind
``email``, ``phone``, ``greeting`` (a name after a greeting or sign-off) or ``listed`` (a name the export
lists in a name column, given in the ``listed_names`` column, ``;``-separated). Clean rows hold dates,
times, amounts, ids, versions and greetings without names: masking must leave them as they are.

Run ``python tests/data/privacy/make_labelled.py`` to rebuild the file (deterministic).
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

rng = random.Random(20240305)

FIRST = ["Anna", "Jörg", "Åsa", "Søren", "Mette", "Lars", "Ingrid", "Olav", "Freja", "Mikkel", "Zoë", "Émile",
         "Sanne", "Pieter", "Kari", "Björn", "Ewa", "Ahmed", "Fatima", "Noah", "Chloé", "Lukas", "Marta", "Timo"]
LAST = ["Berg", "Müller", "Lindqvist", "Østergaard", "Hansen", "Nakamura", "Van Dijk", "O'Neill", "Kowalski",
        "Jensen-Holm", "Schäfer", "Ødegård", "Nieminen", "Dubois", "Fischer", "Karlsson"]
CYR_FIRST = ["Анна", "Иван", "Ольга", "Дмитрий", "Мария", "Сергей"]
CYR_LAST = ["Петрова", "Иванов", "Смирнова", "Кузнецов"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "exämple.de", "exempel.se", "eksempel.dk",
           "post.example.co.uk", "пример.рф", "example.io", "test-firma.example"]


def email() -> str:
    f, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([
        f"{f}.{last}", f"{f[0]}{last}", f"{f}_{last}{rng.randint(1, 99)}", f"{f}+orders", f"{f}.{last}-{rng.randint(1950, 2005)}",
        f"{f}{rng.randint(100, 9999)}", f"{last}.{f}"]).lower().replace(" ", "").replace("'", "")
    if rng.random() < 0.15:
        local = local.upper()
    dom = rng.choice(DOMAINS)
    if dom == "пример.рф":
        local = rng.choice(["анна.петрова", "иван", "ольга.смирнова"])
    return f"{local}@{dom}"


PHONES = [
    "+45 12 34 56 78", "+4512345678", "0045 23 45 67 89", "22 33 44 55", "+46 70 123 45 67", "070-123 45 67",
    "08-123 456 78", "+49 30 12345678", "030 12345678", "0171 1234567", "0171/1234567", "+49 (0)171 1234567",
    "+7 (495) 123-45-67", "8 (916) 123-45-67", "+7 916 123 45 67", "(555) 123-4567", "555-123-4567",
    "555.123.4567", "+1 555 123 4567", "+44 20 7946 0958", "020 7946 0958", "07700 900123", "+33 6 12 34 56 78",
    "06 12 34 56 78", "+31 6 12345678", "06-12345678", "+47 412 34 567", "+358 40 123 4567", "040 123 4567",
    "+48 601 234 567", "601-234-567", "+1-555-987-6543", "1 (555) 246-8100", "+45 70 20 30 40", "+46 8 123 456 78",
]
PHONE_TEMPLATES = [
    "Please call me back on {p}", "My number is {p}, best after 16:00", "Ring til mig på {p} i morgen",
    "Rufen Sie mich bitte unter {p} an", "Звоните: {p}", "Mobile: {p}", "tel. {p} (evenings)", "Kontakt: {p}",
    "Customer left number {p} for the courier", "Can you text {p} when the parcel ships?", "Tlf: {p}",
    "Callback requested ({p})", "New phone: {p}; old one is disconnected", "Bel me op {p} graag",
    "Ring mig på {p} efter kl. 17", "Handy {p}", "WhatsApp {p}", "Phone {p} / order 10443",
]
KEYWORD_ONLY = [("tlf 22334455", "22334455"), ("Tel: 040123456", "040123456"), ("phone 5551234567", "5551234567"),
                ("mobil 0701234567", "0701234567"), ("телефон 89161234567", "89161234567")]
EMAIL_TEMPLATES = [
    "Please send the invoice to {e}", "Skriv til {e} i stedet", "Bitte an {e} schicken", "Ответьте на {e}",
    "Customer changed e-mail to {e} yesterday", "<{e}> is bouncing", "(reply to: {e})", "mailto:{e}",
    "cc {e}, {e2}", "Login {e} locked out", "{e}", "Order confirmation never reached {e}.",
    "Från: {e}", "Forwarded from {e} via web form", "Kontakt {e}; ring ikke", "E-mail: {e}",
]
OBFUSCATED = ["anna [at] example [dot] com", "lars(at)eksempel.dk", "mette.hansen%40example.com",
              "jörg (at) exämple (dot) de", "anna at example dot com", "lars at eksempel.dk"]
OPENERS = ["Hi", "Hello", "Hey", "Dear", "Hej", "Hejsa", "Hallo", "Hei", "Liebe", "Lieber", "Kære", "Bästa",
           "Good morning", "Bonjour", "Hola"]
CLOSERS = ["Best regards", "Kind regards", "Thanks", "Regards", "Med venlig hilsen", "Venlig hilsen", "Mvh",
           "Vänliga hälsningar", "Mit freundlichen Grüßen", "Viele Grüße", "Cheers", "Many thanks", "Hilsen"]
CYR_GREET = ["Здравствуйте, {n}!", "Добрый день, {n}.", "Привет, {n}", "Уважаемый {n},", "С уважением,\n{n}",
             "Спасибо, {n}!"]
TITLES = ["Mr.", "Mrs.", "Ms", "Dr.", "Herr", "Frau", "Fru"]
BODIES = ["my parcel has not arrived.", "the refund is still missing.", "I cannot log in to my account.",
          "pakken er ikke kommet.", "die Lieferung ist beschädigt.", "jag vill avsluta mitt abonnemang.",
          "thanks for the quick help!", "kan I hjælpe?", "where is my order?"]

CLEAN = [
    "Refund for order #10023 of 1.234,50 kr on 05.03.2024 14:03", "Ticket 1234567 reopened 3 times",
    "ETA 2024-03-05T10:00:00Z, window 14:30-16:00", "Invoice INV-2024-000123 paid in full",
    "Delivery in 1-2 days, Mon-Fri 9-17", "Price 1299.00 EUR, qty 2, weight 0.5 kg", "Discount 15% on 3 items",
    "Version 10.2.3 build 20240305 crashes", "Order dates 03-05-2024 and 12/31/2023 and 2024/03/05",
    "Hi there, my order is late", "Hello team, the app crashes on start", "Dear Sir or Madam, please cancel",
    "Hej med jer, pakken kom ikke", "Hallo zusammen, die Rechnung fehlt", "Здравствуйте! Подскажите, пожалуйста",
    "Thanks in advance", "Best regards", "Hi, I ordered the wrong size", "Hello, is the store open on Sunday?",
    "Dear Customer Service, my card was charged twice", "Hi all, any update on #4456?", "Hej! Tak for sidst",
    "Tracking number 00340434161234567890", "SKU AB-1234-XY out of stock", "Total 12 345 678 DKK this quarter",
    "Postcode 2100 København Ø, floor 3", "Return label for order 100234 (2 parcels)", "Case 00012345 escalated",
    "Meeting 10:00-11:30 on 2024-05-06", "Charged 49.95 USD on 2023-11-28 and 49.95 USD on 2023-12-28",
    "iPhone 13 screen cracked after 2 weeks", "Størrelse 42 er udsolgt", "Lieferzeit 3-5 Werktage",
    "Заказ № 456789 от 12.03.2024", "Question about plan Premium 2024", "Error code 0x80070005 on install",
    "Coupon SPRING24 not accepted", "Bank transfer ref 2024-03-000987", "Order 1001, 1002, 1003 merged",
    "Ratings: 5, 4, 3, 2, 1", "Shipped 2 of 3 items on 2024-01-15", "Store #0456 closing at 18:00",
    "Hi, quick question about VAT", "Hello? Anyone there?", "Thanks!", "Regards, the shipping team",
    "Good morning, my package is damaged", "Thank you for your patience", "Hallo Support-Team, danke",
    "Kære kundeservice, ordre 4411 mangler", "Hei, pakken er borte", "Bästa kundtjänst, fakturan saknas",
]


def main() -> None:
    rows: list[tuple[str, str, str]] = []  # (kind, marked text, listed names)
    for _ in range(120):
        e, e2 = email(), email()
        t = rng.choice(EMAIL_TEMPLATES)
        rows.append(("email", t.format(e=f"[[email:{e}]]", e2=f"[[email:{e2}]]"), ""))
    for o in OBFUSCATED:
        rows.append(("email", f"write to [[email:{o}]] please", ""))
    for p in PHONES:
        for t in rng.sample(PHONE_TEMPLATES, 4):
            rows.append(("phone", t.format(p=f"[[phone:{p}]]"), ""))
    for text, number in KEYWORD_ONLY:
        rows.append(("phone", text.replace(number, f"[[phone:{number}]]"), ""))
    for p in ["22334455", "5551234567", "004512345678"]:  # bare digits without a keyword: expected misses
        rows.append(("phone", f"my number [[phone:{p}]] thanks", ""))
    for _ in range(90):
        f = rng.choice(FIRST)
        name = f if rng.random() < 0.6 else f"{f} {rng.choice(LAST)}"
        r = rng.random()
        if r < 0.5:
            g = rng.choice(OPENERS)
            sep = rng.choice([" ", ", ", " "])
            if g in ("Dear", "Hallo", "Liebe", "Lieber") and rng.random() < 0.4:
                name_text = f"{rng.choice(TITLES)} [[greeting:{rng.choice(LAST)}]]"
            else:
                name_text = f"[[greeting:{name}]]"
            rows.append(("greeting", f"{g}{sep}{name_text}{rng.choice([',', '!', '', ' -'])} {rng.choice(BODIES)}", ""))
        else:
            c = rng.choice(CLOSERS)
            rows.append(("greeting", f"{rng.choice(BODIES).capitalize()}\n{c},\n[[greeting:{name}]]", ""))
    for t in CYR_GREET:
        for n in (f"{rng.choice(CYR_FIRST)}", f"{rng.choice(CYR_FIRST)} {rng.choice(CYR_LAST)}"):
            rows.append(("greeting", t.replace("{n}", f"[[greeting:{n}]]") + " Заказ не пришёл.", ""))
    for n in ["anna", "lars berg"]:  # lower-case names after a greeting: expected misses
        rows.append(("greeting", f"hi [[greeting:{n}]], thanks", ""))
    listed_templates = ["Spoke with {n} about the refund", "{n} called twice today", "Parcel for {n} never arrived",
                        "Chat with {n}", "Rückruf an {n} vereinbart", "{n} vil gerne have en kreditnota",
                        "Escalated by {n}'s manager", "Звонил(а) {n}, просит возврат", "Re: {n} / order 5521"]
    for _ in range(40):
        f, last = rng.choice(FIRST), rng.choice(LAST)
        n = rng.choice([f"{f} {last}", f, last])
        rows.append(("listed", rng.choice(listed_templates).format(n=f"[[listed:{n}]]"), f"{f} {last}"))
    for c in CLEAN:
        rows.append(("clean", c, ""))
    for _ in range(150):  # numbers that are not phone numbers: dates, times, amounts, ids, codes
        y, m, d = rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28)
        date = rng.choice([f"{y}-{m:02d}-{d:02d}", f"{d:02d}.{m:02d}.{y}", f"{m}/{d}/{y}", f"{d}-{m}-{y}",
                           f"{y}/{m:02d}/{d:02d}", f"{d:02d}.{m:02d}.{y % 100:02d}"])
        time = rng.choice([f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                           f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"])
        amount = rng.choice([f"{rng.randint(1, 99999)},{rng.randint(0, 99):02d} kr", f"${rng.randint(1, 9999)}.{rng.randint(0, 99):02d}",
                             f"{rng.randint(1, 999)}.{rng.randint(100, 999)},{rng.randint(0, 99):02d} EUR",
                             f"{rng.randint(1, 99)} {rng.randint(100, 999)} SEK", f"{rng.randint(1, 500)} USD"])
        oid = rng.choice([f"#{rng.randint(1000, 99999)}", f"{rng.randint(100000, 99999999)}", f"SO-{rng.randint(10000, 99999)}",
                          f"INV-{y}-{rng.randint(1, 999999):06d}", f"{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"])
        t = rng.choice(["Order {o} placed {d} at {t}, total {a}", "Refund of {a} for {o} on {d}",
                        "Ticket {o} updated {d} {t}", "Ordre {o} sendt {d} kl. {t} ({a})",
                        "Bestellung {o} vom {d}: {a}", "Заказ {o} от {d}, сумма {a}", "{o}: charged {a} on {d} {t}",
                        "Delivered {d} {t}; {q} of {q2} items; order {o}", "Invoice {o} due {d}, {a} outstanding"])
        rows.append(("clean", t.format(o=oid, d=date, t=time, a=amount, q=rng.randint(1, 5), q2=rng.randint(5, 9)), ""))
    out = Path(__file__).with_name("labelled.csv")
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "kind", "text", "listed_names"])
        for i, (k, t, names) in enumerate(rows, 1):
            w.writerow([i, k, t, names])


if __name__ == "__main__":
    main()
