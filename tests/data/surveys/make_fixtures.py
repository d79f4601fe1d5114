"""Write the synthetic survey exports in this folder (run once; the outputs are committed).

Every person here is fictitious: names like "Test Person", addresses at
example.com, documentation IP addresses (192.0.2.x, RFC 5737). The layouts copy
the real exports described in shared/formats.md (sections 8-11, 14, 15).

    python tests/data/surveys/make_fixtures.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

HERE = Path(__file__).parent


def write(name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    data = text.replace("\n", newline).encode(encoding)
    (HERE / name).write_bytes(data)


# --------------------------------------------------------------------------- SurveyMonkey
# 2 header rows; question text only over the first column of a multi-column question;
# US month-first dates with AM/PM; 11-digit respondent ids.
SURVEYMONKEY = """\
Respondent ID,Collector ID,Start Date,End Date,IP Address,Email Address,First Name,Last Name,Custom Data 1,How satisfied were you with our customer service?,How likely is it that you would recommend us to a friend or colleague?,Which channels did you use?,,,How many people have you told about this experience?,Did you warn anyone not to buy from us?,Anything else you would like to tell us?
,,,,,,,,,Response,Response,Email,Chat,Phone,Response,Response,Open-Ended Response
11887401001,431200001,03/14/2025 09:01:10 AM,03/14/2025 09:04:40 AM,192.0.2.10,ann.test@example.com,Ann,Testperson,C-1001,Very satisfied,10 - Extremely likely,Email,,,None,No,Great help from the team.
11887401002,431200001,03/15/2025 01:15:00 PM,03/15/2025 01:20:05 PM,192.0.2.11,bob.test@example.com,Bob,Testperson,C-1002,Dissatisfied,3,Email,Chat,,2-5,Yes,Slow. Write to me at bob.test@example.com if you want details.
11887401003,431200001,03/16/2025 10:00:00 PM,03/16/2025 10:02:00 PM,192.0.2.12,cy.test@example.com,Cy,Testperson,C-1003,Neither satisfied nor dissatisfied,7,,,Phone,1,No,
11887401004,431200002,04/02/2025 08:30:00 AM,04/02/2025 08:31:30 AM,192.0.2.13,dee.test@example.com,Dee,Testperson,C-1004,Very dissatisfied,0 - Not at all likely,,Chat,Phone,More than 20,Yes,Never again.
11887401005,431200002,04/03/2025 11:45:00 AM,04/03/2025 11:47:00 AM,192.0.2.14,eve.test@example.com,Eve,Testperson,C-1005,Satisfied,9,Email,,,6-10,No,
"""

# --------------------------------------------------------------------------- Typeform
# 1 header row: '#', question texts, hidden fields, Response Type, (UTC) dates, Network ID.
TYPEFORM = """\
#,How satisfied are you with the support you received?,"To what extent do you agree: the company made it easy for me to handle my issue.",How likely are you to recommend us to a friend?,customer_id,ticket_id,Response Type,Start Date (UTC),Stage Date (UTC),Submit Date (UTC),Network ID,Tags
a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6,5,7,10,CUST-01,48211,completed,2024-05-01 10:00:00,2024-05-01 10:02:00,2024-05-01 10:02:30,1a2b3c4d5e,
b1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6,2,1,4,CUST-02,48212,completed,2024-05-01 23:30:00,2024-05-01 23:31:00,2024-05-01 23:31:10,2a2b3c4d5e,
c1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6,4,4,8,CUST-03,48213,completed,2024-05-02 08:00:00,2024-05-02 08:01:00,2024-05-02 08:01:45,3a2b3c4d5e,
d1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6,3,,,CUST-04,48214,partial,2024-05-02 09:00:00,2024-05-02 09:00:30,,4a2b3c4d5e,
"""

# --------------------------------------------------------------------------- Google Forms, English
# Sheets-style month-first timestamps (4/13/2024 decides the order), Email Address, quiz Score.
GOOGLE_FORMS_EN = """\
Timestamp,Email Address,Score,How satisfied are you with our service?,How easy was it to get your problem solved?,"How many people did you tell about your experience?",Comments
4/2/2024 9:15:00,ann.test@example.com,4 / 5,Very satisfied,Very easy,None,Quick and friendly.
4/13/2024 14:40:10,bob.test@example.com,2 / 5,Dissatisfied,Difficult,3,I had to call three times before anyone listened to me.
4/20/2024 18:05:00,cy.test@example.com,3 / 5,Neutral,Neither easy nor difficult,,
"""

# --------------------------------------------------------------------------- Google Forms, GMT+3
GOOGLE_FORMS_GMT3 = """\
Timestamp,How satisfied are you with the delivery?,How likely are you to recommend our shop to a friend or colleague?
2026/09/27 3:00:00 PM GMT+3,Extremely satisfied,10
2026/09/28 11:30:00 AM GMT+3,Somewhat dissatisfied,5
2026/09/28 11:59:59 PM GMT+3,Extremely dissatisfied,0
"""

# --------------------------------------------------------------------------- Danish, ';' cp1252
# Excel "CSV (semikolonsepareret)" in a Danish locale: ';', Windows-1252, decimal comma,
# dd-mm-yyyy dates (25-03 decides day-first).
DANISH = """\
Svar-ID;Dato;E-mail;Hvor tilfreds er du med vores kundeservice?;Hvor sandsynligt er det, at du vil anbefale os til en ven eller kollega?;Ordrebeløb (kr.);Kommentar
1001;25-03-2024 10:15;kunde.et@example.com;Meget tilfreds;10 - Meget sandsynligt;1.234,50;Hurtig og venlig betjening, tak!
1002;26-03-2024 14:02;kunde.to@example.com;Utilfreds;3;99,95;Jeg ventede alt for længe på svar fra jer.
1003;02-04-2024 09:30;kunde.tre@example.com;Hverken tilfreds eller utilfreds;7;250,00;
1004;03-04-2024 16:45;kunde.fire@example.com;Meget utilfreds;0 - Slet ikke sandsynligt;12,00;Pakken kom aldrig frem til mig.
"""

# --------------------------------------------------------------------------- Russian, cp1251
# Google Forms in a Russian-locale sheet saved by Excel as cp1251 with ';': dotted dates.
RUSSIAN = """\
Отметка времени;Адрес электронной почты;Насколько вы довольны работой службы поддержки?;Насколько вероятно, что вы порекомендуете нас другу или коллеге?;Комментарий
01.03.2024 10:15:00;klient.odin@example.com;Очень доволен;10;Спасибо, всё отлично!
02.03.2024 12:00:00;klient.dva@example.com;Довольна;8;
03.03.2024 18:30:00;klient.tri@example.com;Недоволен(на);2;Долго ждал ответа от оператора поддержки.
04.03.2024 09:05:00;klient.chetyre@example.com;Нейтрально;6;
"""

# --------------------------------------------------------------------------- UTF-16 TSV, Swedish
# Excel "Unicode text": UTF-16 LE with BOM, tab-separated, CRLF; ISO dates in Europe/Stockholm.
SWEDISH_UTF16 = """\
Svars-ID\tDatum\tHur nöjd är du med vår kundtjänst?\tHur troligt är det att du skulle rekommendera oss till en vän eller kollega?\tKommentar
S-1\t2024-06-03 08:15:00\tMycket nöjd\t9\tBra och snabb hjälp.
S-2\t2024-06-03 12:40:00\tGanska missnöjd\t4\tFick vänta länge på svar från er.
S-3\t2024-06-04 17:05:00\tVarken nöjd eller missnöjd\t7\t
"""

# --------------------------------------------------------------------------- German
# Excel "CSV UTF-8" (BOM) in a German locale: ';', decimal comma, dotted dates, Google Forms
# German header 'Zeitstempel'.
GERMAN = """\
Zeitstempel;E-Mail-Adresse;Wie zufrieden sind Sie insgesamt mit unserem Kundenservice?;Wie einfach war es, Ihr Anliegen zu lösen?;Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?;Bestellwert (EUR);Anmerkungen
05.03.2024 09:15:00;kunde.eins@example.com;Sehr zufrieden;Sehr einfach;10;1.299,90;Alles bestens, vielen Dank!
06.03.2024 14:20:00;kunde.zwei@example.com;Unzufrieden;Schwierig;2;49,99;Ich musste dreimal anrufen, bis mir jemand geholfen hat.
07.03.2024 18:45:00;kunde.drei@example.com;Weder zufrieden noch unzufrieden;Weder einfach noch schwierig;7;5,00;
"""

# --------------------------------------------------------------------------- Qualtrics numeric
# Numeric values (Status 0/1/8, Finished 1/0, codes 1-5), "Z" time zone, trailing comma.
QUALTRICS_NUMERIC = """\
StartDate,EndDate,Status,IPAddress,Progress,Duration (in seconds),Finished,RecordedDate,ResponseId,RecipientLastName,RecipientFirstName,RecipientEmail,ExternalReference,LocationLatitude,LocationLongitude,DistributionChannel,UserLanguage,Q1,Q2,Q3,ticket_id
Start Date,End Date,Response Type,IP Address,Progress,Duration (in seconds),Finished,Recorded Date,Response ID,Recipient Last Name,Recipient First Name,Recipient Email,External Data Reference,Location Latitude,Location Longitude,Distribution Channel,User Language,How satisfied are you with the help you received?,How likely are you to recommend us to a friend or colleague?,Please tell us more.,ticket_id
"{""ImportId"":""startDate"",""timeZone"":""Z""}","{""ImportId"":""endDate"",""timeZone"":""Z""}","{""ImportId"":""status""}","{""ImportId"":""ipAddress""}","{""ImportId"":""progress""}","{""ImportId"":""duration""}","{""ImportId"":""finished""}","{""ImportId"":""recordedDate"",""timeZone"":""Z""}","{""ImportId"":""_recordId""}","{""ImportId"":""recipientLastName""}","{""ImportId"":""recipientFirstName""}","{""ImportId"":""recipientEmail""}","{""ImportId"":""externalDataReference""}","{""ImportId"":""locationLatitude""}","{""ImportId"":""locationLongitude""}","{""ImportId"":""distributionChannel""}","{""ImportId"":""userLanguage""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}","{""ImportId"":""QID3_TEXT""}","{""ImportId"":""ticket_id""}"
2024-02-01 10:00:00,2024-02-01 10:03:00,0,192.0.2.20,100,180,1,2024-02-01 10:03:01,R_num0000000001,Testperson,Ann,ann.test@example.com,CUST-9001,55.6,12.5,email,EN,5,10,Very helpful,70001,
2024-02-01 11:00:00,2024-02-01 11:02:00,0,192.0.2.21,100,120,1,2024-02-01 11:02:01,R_num0000000002,Testperson,Bob,bob.test@example.com,CUST-9002,55.6,12.5,email,EN,2,4,Too slow,70002,
2024-02-01 12:00:00,2024-02-01 12:01:00,1,,100,60,1,2024-02-01 12:01:01,R_num0000000003,,,,,,,preview,EN,3,6,,,
2024-02-01 13:00:00,2024-02-01 13:00:30,8,192.0.2.22,100,30,1,2024-02-01 13:00:31,R_num0000000004,,,,,,,anonymous,EN,1,0,buy cheap watches,,
2024-02-01 14:00:00,2024-02-01 14:01:00,0,192.0.2.23,40,60,0,2024-02-08 14:01:00,FS_num000000005,Testperson,Cy,cy.test@example.com,CUST-9003,,,email,EN,4,,,70003,
2024-02-02 09:00:00,2024-02-02 09:05:00,0,192.0.2.24,100,300,1,not a date,R_num0000000006,Testperson,Dee,dee.test@example.com,CUST-9004,,,email,EN,4,8,,70004,
"""

# --------------------------------------------------------------------------- ambiguous dates
AMBIGUOUS = """\
response_id,submitted_at,How satisfied are you with our service?
1,03/04/2024 10:00,Very satisfied
2,05/06/2024 11:00,Satisfied
3,07/08/2024 12:00,Dissatisfied
"""

# --------------------------------------------------------------------------- unparseable dates
BAD_DATES = """\
response_id,submitted_at,How satisfied are you with our service?
1,2024-03-04 10:00,Very satisfied
2,yesterday,Satisfied
3,2024-03-06 12:00,Dissatisfied
"""


def qualtrics_xlsx() -> None:
    """A Qualtrics choice-text export saved as .xlsx (3 header rows)."""
    from openpyxl import Workbook

    tz = '{"ImportId":"%s","timeZone":"Europe/Copenhagen"}'
    plain = '{"ImportId":"%s"}'
    header = [
        ("StartDate", "Start Date", tz % "startDate"),
        ("EndDate", "End Date", tz % "endDate"),
        ("Status", "Response Type", plain % "status"),
        ("IPAddress", "IP Address", plain % "ipAddress"),
        ("Progress", "Progress", plain % "progress"),
        ("Duration (in seconds)", "Duration (in seconds)", plain % "duration"),
        ("Finished", "Finished", plain % "finished"),
        ("RecordedDate", "Recorded Date", tz % "recordedDate"),
        ("ResponseId", "Response ID", plain % "_recordId"),
        ("RecipientLastName", "Recipient Last Name", plain % "recipientLastName"),
        ("RecipientFirstName", "Recipient First Name", plain % "recipientFirstName"),
        ("RecipientEmail", "Recipient Email", plain % "recipientEmail"),
        ("ExternalReference", "External Data Reference", plain % "externalDataReference"),
        ("DistributionChannel", "Distribution Channel", plain % "distributionChannel"),
        ("UserLanguage", "User Language", plain % "userLanguage"),
        ("Q1", "Overall, how satisfied or dissatisfied are you with our support?", plain % "QID1"),
        ("Q2", "How likely is it that you would recommend us to a friend or colleague?", plain % "QID2"),
        ("Q3", "The company made it easy for me to handle my issue.", plain % "QID3"),
        ("Q4", "Did you tell anyone not to buy from us?", plain % "QID4"),
        ("Q5", "Is there anything else you would like to tell us?", plain % "QID5_TEXT"),
        ("Q7", "Which product did you contact us about?", plain % "QID7"),
        ("ticket_id", "ticket_id", plain % "ticket_id"),
    ]
    rows = [
        ["2024-03-10 09:00:00", "2024-03-10 09:03:00", "IP Address", "192.0.2.30", 100, 180, "True",
         "2024-03-10 09:03:01", "R_x000000000001", "Testperson", "Ann", "ann.test@example.com", "C-1",
         "email", "EN", "Extremely satisfied", "10 - Extremely likely", "Strongly agree", "No",
         "Thanks!", "Router", "5001"],
        ["2024-03-31 01:30:00", "2024-03-31 03:10:00", "IP Address", "192.0.2.31", 100, 200, "True",
         "2024-03-31 03:10:00", "R_x000000000002", "Testperson", "Bob", "bob.test@example.com", "C-2",
         "email", "EN", "Somewhat dissatisfied\n\n", "3", "Somewhat disagree", "Yes",
         "Mail me: bob.test@example.com", "Modem", "5002"],
        ["2024-03-11 10:00:00", "2024-03-11 10:01:00", "Survey Preview", "", 100, 60, "True",
         "2024-03-11 10:01:00", "R_x000000000003", "", "", "", "", "preview", "EN",
         "Extremely dissatisfied", "0 - Not at all likely", "Strongly disagree", "Yes", "", "Router", ""],
        ["2024-03-12 10:00:00", "2024-03-12 10:01:00", "Spam", "192.0.2.32", 100, 60, "True",
         "2024-03-12 10:01:00", "R_x000000000004", "", "", "", "", "anonymous", "EN",
         "Extremely satisfied", "10 - Extremely likely", "Strongly agree", "No", "", "Router", ""],
        ["2024-03-13 10:00:00", "", "IP Address", "192.0.2.33", 50, 60, "False",
         "", "FS_x00000000005", "Testperson", "Cy", "cy.test@example.com", "C-3", "email", "EN",
         "Neither satisfied nor dissatisfied", "", "", "", "", "", "5003"],
        ["2024-03-14 12:00:00", "2024-03-14 12:05:00", "IP Address", "192.0.2.34", 100, 300, "True",
         "2024-03-14 12:05:00", "R_x000000000006", "Testperson", "Dee", "dee.test@example.com", "C-4",
         "email", "EN", "Neither satisfied nor dissatisfied", "7", "Neither agree nor disagree", "No",
         "", "Cable", "5004"],
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet0"
    for i in range(3):
        ws.append([h[i] for h in header])
    for r in rows:
        ws.append(r)
    wb.properties.creator = "csanalysis tests"
    wb.properties.created = dt.datetime(2024, 1, 1)
    wb.properties.modified = dt.datetime(2024, 1, 1)
    wb.save(HERE / "qualtrics_choice_text.xlsx")


def qualtrics_sav() -> None:
    """A Qualtrics-style SPSS file: Status/Finished labels, Likert recodes 11-15 and 35-41."""
    import numpy as np
    import pandas as pd
    import pyreadstat

    df = pd.DataFrame({
        "StartDate": pd.to_datetime(["2024-01-05 08:00:00", "2024-01-05 09:00:00", "2024-01-06 10:00:00",
                                     "2024-01-06 11:00:00", "2024-01-07 12:00:00"]),
        "RecordedDate": pd.to_datetime(["2024-01-05 08:05:00", "2024-01-05 09:04:00", "2024-01-06 10:02:00",
                                        "2024-01-06 11:03:00", "2024-01-07 12:10:00"]),
        "Status": [0.0, 0.0, 1.0, 0.0, 0.0],
        "Finished": [1.0, 1.0, 1.0, 1.0, 0.0],
        "ResponseId": ["R_sav00000001", "R_sav00000002", "R_sav00000003", "R_sav00000004", "R_sav00000005"],
        "ExternalReference": ["K-1", "K-2", "", "K-4", "K-5"],
        "Q1": [41.0, 35.0, 38.0, 39.0, 36.0],  # 7-point satisfaction, recoded 35-41
        "Q2": [15.0, 11.0, 13.0, 14.0, 12.0],  # 5-point effort (agreement that it was easy), 11-15
        "Q3": [10.0, 2.0, 5.0, -99.0, 8.0],  # NPS 0-10 with a user-missing code -99
        "Q4": ["Fine", "Bad", "", "", ""],
    })
    labels = {
        "StartDate": "Start Date", "RecordedDate": "Recorded Date", "Status": "Response Type",
        "Finished": "Finished", "ResponseId": "Response ID", "ExternalReference": "External Data Reference",
        "Q1": "How satisfied are you with our support?",
        "Q2": "How much do you agree: the company made it easy for me to handle my issue?",
        "Q3": "How likely is it that you would recommend us to a friend or colleague?",
        "Q4": "Please tell us why.",
    }
    value_labels = {
        "Status": {0: "IP Address", 1: "Survey Preview", 2: "Survey Test", 8: "Spam"},
        "Finished": {0: "False", 1: "True"},
        "Q1": {35: "Extremely dissatisfied", 36: "Moderately dissatisfied", 37: "Slightly dissatisfied",
               38: "Neither satisfied nor dissatisfied", 39: "Slightly satisfied", 40: "Moderately satisfied",
               41: "Extremely satisfied"},
        "Q2": {11: "Strongly disagree", 12: "Somewhat disagree", 13: "Neither agree nor disagree",
               14: "Somewhat agree", 15: "Strongly agree"},
        "Q3": {0: "Not at all likely", 10: "Extremely likely", -99: "Seen but not answered"},
    }
    pyreadstat.write_sav(df, str(HERE / "qualtrics_labels.sav"), column_labels=labels,
                         variable_value_labels=value_labels, missing_ranges={"Q3": [-99]},
                         variable_format={"StartDate": "DATETIME20", "RecordedDate": "DATETIME20"})
    del np


def main() -> None:
    write("surveymonkey_2row.csv", SURVEYMONKEY, newline="\r\n")
    write("typeform.csv", TYPEFORM)
    write("google_forms_en.csv", GOOGLE_FORMS_EN)
    write("google_forms_gmt3.csv", GOOGLE_FORMS_GMT3)
    write("danish_semicolon_cp1252.csv", DANISH, encoding="cp1252", newline="\r\n")
    write("russian_cp1251.csv", RUSSIAN, encoding="cp1251", newline="\r\n")
    write("swedish_utf16.txt", SWEDISH_UTF16, encoding="utf-16", newline="\r\n")
    write("german_semicolon_utf8bom.csv", GERMAN, encoding="utf-8-sig", newline="\r\n")
    write("qualtrics_numeric.csv", QUALTRICS_NUMERIC, newline="\r\n")
    write("ambiguous_dates.csv", AMBIGUOUS)
    write("bad_dates.csv", BAD_DATES)
    qualtrics_xlsx()
    qualtrics_sav()


if __name__ == "__main__":
    main()
