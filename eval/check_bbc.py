"""Check the BBC question set against the corpus it was written over; exit 1 on any problem.

    python eval/check_bbc.py [eval/bbc.jsonl] [--corpus ../shared/corpus/bbc/train.csv]
    python eval/check_bbc.py eval/bbc2.jsonl     # the second, independent set

The probe tables hold both sets' unanswerable questions (the second set's ids start `q2-`). Ids must
be unique within a file. For every question it checks what a reader cannot see by eye:
- answerable: the row exists and has the stated category; every expected answer occurs in the row's
  text after Newsdesk's mojibake repair; the `article` substring occurs in the title Newsdesk gives
  that row, and any other row whose title also contains it carries an expected answer (the corpus
  holds some stories twice); no run of six words of the question is copied from the article.
- near-miss: the topic is in the corpus (`_NEAR_MISS` topic matches some row) but the asked fact is
  not (no fact probe matches any topic row).
- out-of-corpus: no probe in `_OUT_OF_CORPUS` matches any row.
The probes are regular expressions (case-insensitive) written when the questions were; a probe
that starts matching (a bigger corpus, a changed question) makes this script fail loudly.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

from index.ingest.clean import fix_text, guess_title

_MONEY = r"(?:\$|£|€|yen\s?)\s?\d"

# id -> (topic, probes for the asked fact): the topic must match some row, no probe any topic row.
_NEAR_MISS: dict[str, tuple[str, list[str]]] = {
    "nm-sumitomo-offer-per-share": ("Sumitomo|UFJ", [r"(a|per) share", r"yen each"]),
    "nm-gsk-workforce": ("Glaxo", [r"employ", r"\bstaff\b", r"workers", r"workforce"]),
    "nm-keaveney-hospital-name": ("Keaveney", [r"(?-i:Hospital|Infirmary|Hospice)"]),
    "nm-casino-royale-bond-actor": (
        "Casino Royale",
        [r"\bCraig\b", r"(been|was|is) (cast|chosen|named) as (the new )?(James )?Bond"],
    ),
    "nm-hallfredsson-fee": ("Hallfredsson", [_MONEY, r"fee of", r"\d\s?(pounds|euros|kr)"]),
    "nm-asimo-price": ("Asimo", [_MONEY, r"price", r"on sale"]),
    "nm-blanchett-bafta-dress": (
        "Blanchett",
        [
            r"Blanchett[^.]{0,120}(wore|wearing|dress|gown)",
            r"(wore|wearing|dress|gown)[^.]{0,120}Blanchett",
        ],
    ),
    "nm-santini-next-club": (
        "Santini",
        [r"Santini[^.]{0,80}(has joined|\bappointed\b|new job|took over at|takes over at)"],
    ),
    "nm-murrayfield-italy-crowd": (
        r"18-10 (win over )?Italy",
        [r"crowd", r"attendance", r"spectators", r"\d{2},\d{3}"],
    ),
    "nm-cbb-2005-winner": (
        "Celebrity Big Brother",
        [r"\bwon\b", r"crowned", r"(was|is) the winner", r"winner (was|is) (?!due)"],
    ),
    "nm-ps3-price": (
        r"PlayStation 3|PS3",
        [r"(PlayStation 3|PS3)[^.]{0,80}(cost|price|priced|\$\d|£\d)"],
    ),
    "nm-gizmondo-first-weekend": (
        "Gizmondo",
        [r"Gizmondo[^.]{0,100}\b(sold|sales)\b", r"\b(sold|sales)\b[^.]{0,100}Gizmondo"],
    ),
    "nm-delft-population": ("Delft", [r"population", r"inhabitants", r"residents"]),
    "nm-godzilla-final-wars-budget": (
        "Godzilla",
        [
            r"(Godzilla|Final Wars)[^.]{0,150}(budget|cost|\$\d|£\d|yen)",
            r"(budget|cost)[^.]{0,150}Godzilla",
        ],
    ),
    "nm-ray-charles-museum-cost": (
        "Ray Charles",
        [rf"museum[^.]{{0,100}}{_MONEY}", rf"{_MONEY}[^.]{{0,100}}museum"],
    ),
    "nm-intel-laser-data-rate": (
        r"silicon-based laser|silicon laser|Paniccia",
        [r"gigabit", r"Gbps", r"bits (a|per) second", r"data rate"],
    ),
    "nm-dirty-war-bbc-audience": ("Dirty War", [r"viewers", r"audience", r"watched by"]),
    "nm-encore-us-first-week": (
        "Encore",
        [r"\d[\d,.]* (million )?copies", r"sold \d", r"first[- ]week sales"],
    ),
    "nm-mamma-mia-stockholm-audience": (
        "Mamma Mia",
        [r"premiere[^.]{0,120}\d[\d,]* (people|guests|fans)", r"\d[\d,]* (guests|invited)"],
    ),
    "nm-safin-prize-money": ("Safin", [r"prize money", r"cheque", _MONEY]),
    "nm-millennium-stadium-capacity": (
        "Millennium Stadium",
        [r"capacity", r"\d{2},\d{3}", r"\bseat(s|er|ed)\b"],
    ),
    "nm-beijing-mayor": ("Beijing", [r"mayor"]),
    "nm-apple-asteroid-price": ("Asteroid", [_MONEY, r"price", r"\bcost"]),
    "nm-illva-profits": ("Illva", [r"profit", r"turnover", r"revenue"]),
    "nm-ne-assembly-result": (
        r"assembly referendum|regional assembly",
        [r"% (voted|said) no", r"rejected", r"voted (no|against)", r"\bresult\b"],
    ),
    "nm-cherie-us-tour-fee": ("Cherie", [_MONEY, r"\bfee\b", r"\bpaid\b"]),
    "nm-us-airways-ceo": (
        "US Airways",
        [r"chief executive", r"Bronner", r"Siegel", r"\bboss\b", r"\bCEO\b"],
    ),
    "nm-gigapixel-project-cost": ("gigapixel", [_MONEY, r"\bcost\b", r"euros?"]),
    "nm-iaea-inspector-count": (
        r"IAEA|Atomic Energy Agency",
        [r"\d[\d,]* inspectors", r"employs", r"staff of"],
    ),
    "nm-metal-slug-developer": ("Metal Slug", [r"SNK", r"develop", r"made by", r"publisher"]),
    "nm-foreverman-lead-actor": (
        "Foreverman",
        [r"(star|play|cast)[^.]{0,40}(as|in) Foreverman", r"will star", r"starring"],
    ),
    "nm-callaghan-funeral": ("Callaghan", [r"funeral", r"buried", r"cremat", r"memorial service"]),
    "nm-blue-gene-cost": ("Blue Gene", [_MONEY, r"\bcost\b", r"price"]),
    "nm-fahrenheit-budget": (
        "Fahrenheit",
        [r"Fahrenheit[^.]{0,150}(budget|cost|\$\d)", r"(budget|cost)[^.]{0,150}Fahrenheit"],
    ),
    "nm-2005-election-majority": (
        "general election",
        [
            r"Labour[^.]{0,60}majority of \d+",
            r"\d+-seat majority",
            r"(?<!if )Labour won",
            r"Labour[^.]{0,60}landslide",
        ],
    ),
    # eval/bbc2.jsonl
    "q2-nm-uk-coal-workforce": (
        "UK Coal",
        [
            "employ",
            r"\bstaff\b",
            "workers",
            "workforce",
            "miners",
            r"\bjobs\b",
            r"\d[\d,]* (people|men)\b",
        ],
    ),
    "q2-nm-ambo-transit-fees": (
        "(?-i:AMBO)|Burgas|Vlore",
        ["transit", r"\bfees?\b", "revenue", r"\bearn", "royalt", "(a|per) year"],
    ),
    "q2-nm-icbc-chairman": (
        "ICBC|Industrial and Commercial Bank",
        [
            "chief executive",
            "chairman",
            "president",
            "governor",
            r"\bboss\b",
            r"\bCEO\b",
            r"\bhead(ed)? (of|by)\b",
            r"\b(Mr|Ms)\b",
        ],
    ),
    "q2-nm-bavaria-jobless-rate": (
        "German[^.]{0,200}(unemploy|jobless)|(unemploy|jobless)[^.]{0,200}German",
        [
            "Bavaria",
            "Munich",
            r"\b(east|west)(ern)? German",
            r"\bregion(al|s)?\b[^.]{0,80}\d+(\.\d)?%",
        ],
    ),
    "q2-nm-glocer-pay": (
        "Glocer",
        [
            r"Glocer[^.]{0,100}(£|\$)\d",
            "salary",
            "bonus",
            r"\bearn(s|ed|ings)?\b[^.]{0,40}(£|\$)",
            "pay (package|deal|rise)",
            "remuneration",
        ],
    ),
    "q2-nm-wonder-woman-actress": (
        "Wonder Woman",
        [
            r"\bcast\b",
            "(will|to) (play|star)",
            "starring",
            "star as",
            "title role",
            "Carter[^.]{0,80}(film|movie|Whedon)",
        ],
    ),
    "q2-nm-tarantino-csi-fee": (
        "Tarantino",
        [_MONEY, r"\bfee\b", r"\bpaid\b", r"\bpay\b", "salary"],
    ),
    "q2-nm-mccartney-super-bowl-winner": (
        "Super Bowl",
        [
            "Patriots",
            "Eagles",
            "New England",
            "Philadelphia",
            r"\b\d{1,2}-\d{1,2}\b",
            r"\b(won|wins?|beat|victory|champions?)\b[^.]{0,60}Super Bowl",
            r"Super Bowl[^.]{0,60}\b(won|wins?|beat|victory|champions?)\b",
        ],
    ),
    "q2-nm-palookaville-uk-sales": (
        "Palookaville",
        ["copies", r"\bsold\b", r"\d[\d,]* (units|albums)", r"sales of \d"],
    ),
    "q2-nm-presley-estate-price": (
        "Sillerman|estate of Elvis|Presley[^.]{0,40}estate",
        [
            r"(Presley|Elvis|estate)[^.]{0,120}(\$|£)\s?\d",
            r"(\$|£)\s?\d[^.]{0,120}(Presley|Elvis|estate)",
        ],
    ),
    "q2-nm-sins-budget": ("Vinod Pande|Mr Pande", ["budget", r"\bcost", _MONEY, "rupee", "crore"]),
    "q2-nm-walkington-salary": ("Walkington", [_MONEY, "salary", r"\bpaid\b", "(a|per) year"]),
    "q2-nm-scarman-birthplace": (
        "Scarman",
        [r"\bborn\b", "birth", "native of", "grew up", r"\bson of\b"],
    ),
    "q2-nm-black-watch-strength": (
        "Black Watch",
        [r"\d[\d,]* (soldiers|troops|men|personnel|members)\b", "strength", r"\d[\d,]*-strong"],
    ),
    "q2-nm-ruth-kelly-children": (
        "Ruth Kelly",
        [
            "mother of",
            r"(her|Kelly's) (own )?(\w+ )?(children|sons?|daughters?|family|husband|kids)",
            r"\b(one|two|three|four|five|\d) (children|sons|daughters|kids)\b",
        ],
    ),
    "q2-nm-leicester-south-majority": (
        "Leicester South",
        ["majority of", r"\d[\d,]* votes", r"\bby \d[\d,]*", r"\d+(\.\d)?% (swing|of the vote)"],
    ),
    "q2-nm-babayaro-newcastle-fee": (
        "Babayaro",
        [
            r"Newcastle[^.]{0,150}(£\d|fee|undisclosed)",
            r"(£\d|fee|undisclosed)[^.]{0,150}Newcastle",
            "free transfer",
            r"\bpaid\b",
        ],
    ),
    "q2-nm-marion-jones-coach": ("Marion Jones", ["coach", "trainer", "train(s|ed) (by|with)"]),
    "q2-nm-fowler-city-fee": (
        "Fowler",
        [
            r"Fowler[^.]{0,150}(£\d|fee|\d+m\b)",
            r"(£\d|fee)[^.]{0,150}Fowler",
            r"Leeds[^.]{0,100}(£\d|fee)",
        ],
    ),
    "q2-nm-bosvelt-wages": ("Bosvelt", [_MONEY, "wages?", "a week", "salary", r"\bearn"]),
    "q2-nm-roddick-gilbert-pay": ("Brad Gilbert", [_MONEY, "salary", r"\bpaid\b", r"\bfee\b"]),
    "q2-nm-dick-pound-nationality": (
        "Dick Pound",
        ["Canad", "Montreal", "nationality", "(lawyer|swimmer|Olympian) Dick Pound"],
    ),
    "q2-nm-hingis-pattaya-opponent": (
        "Hingis",
        [
            "first[- ]round",
            "opening (match|game|round)",
            r"\b(face|faces|meet|meets|take on|takes on)\b",
            r"\bdraw\b",
        ],
    ),
    "q2-nm-beckham-trojan-infections": (
        "Beckham (virus|trojan)|Beckham Windows trojan",
        [
            r"\d[\d,]* (computers|PCs|machines|users|people)",
            r"infected \d",
            "(computers|PCs|machines)[^.]{0,40}(have been|were) infected",
        ],
    ),
    "q2-nm-uwb-device-price": (r"Ultra Wideband|\bUWB\b", [_MONEY, "price", r"\bcost"]),
    "q2-nm-argonaut-buyback-price": (
        "Argonaut",
        [
            r"(bought|buy|buying|paid|pay|deal|price|sum)[^.]{0,80}(?:\$|£|€)\s?\d",
            r"(?:\$|£|€)\s?\d[^.]{0,80}(bought|buy|paid|deal)",
            "undisclosed",
        ],
    ),
    "q2-nm-sk-telecom-subscribers": (
        "SK Telecom",
        ["subscribers", "customers", r"SK Telecom[^.]{0,120}\d[\d,.]* (million )?users"],
    ),
    "q2-nm-san-andreas-us-sales": (
        "San Andreas",
        [
            r"San Andreas[^.]{0,200}\b(US|USA|America|United States|worldwide)\b",
            r"\b(US|America|United States)\b[^.]{0,99}(San Andreas|GTA)[^.]{0,99}(sold|sales)",
            r"(sold|sales)[^.]{0,100}\b(US|USA|America|United States|North America)\b",
        ],
    ),
    "q2-nm-arbor-networks-ceo": (
        "Arbor Networks",
        ["chief executive", r"\bCEO\b", "founder", "president", r"\bboss\b", "chairman"],
    ),
    "q2-nm-four-kings-signups": (
        "Four-Kings",
        [
            r"\d[\d,]* (gamers|players|people|entrants)[^.]{0,40}(registered|signed|entered)",
            r"(registered|signed up|entries|applications)[^.]{0,80}\d",
        ],
    ),
}

# id -> probes that must match no row at all.
_OUT_OF_CORPUS: dict[str, list[str]] = {
    "ooc-2019-election": [r"2019 (general )?election"],
    "ooc-musk-twitter": ["Musk", "Twitter"],
    "ooc-chatgpt-launch": ["ChatGPT"],
    "ooc-iphone-first-price": ["iPhone"],
    "ooc-euro-2016": ["Euro 2016"],
    "ooc-brexit-cost": ["Brexit"],
    "ooc-facebook-ipo": ["Facebook"],
    "ooc-bitcoin-peak": ["Bitcoin"],
    "ooc-covid-uk-deaths": ["covid", "coronavirus"],
    "ooc-webb-first-images": ["James Webb", "space telescope"],
    "ooc-grenfell-inquiry": ["Grenfell"],
    "ooc-tesla-model3-range": ["Tesla", "Model 3"],
    "ooc-leicester-2016-title": [r"\b2016\b"],
    "ooc-netflix-uk-price": ["Netflix"],
    "ooc-lehman-collapse": [
        r"Lehman.{0,40}(collapse|bust|bankrupt)",
        r"(collapse|bust|bankrupt).{0,40}Lehman",
    ],
    "ooc-tiktok-owner": ["TikTok"],
    "ooc-instagram-launch": ["Instagram"],
    "ooc-spacex-landing": ["SpaceX"],
    "ooc-higgs": ["Higgs"],
    "ooc-thunberg-un": ["Thunberg"],
    "ooc-paris-agreement": ["Paris agreement", "Paris climate"],
    "ooc-furlough": ["Sunak", "furlough"],
    "ooc-byd-sales": [r"\bBYD\b", "electric car"],
    "ooc-zelensky-congress": ["Zelensky"],
    "ooc-switch-price": ["Nintendo Switch"],
    "ooc-spotify-subscribers": ["Spotify"],
    "ooc-oppenheimer-lead": ["Oppenheimer"],
    "ooc-indyref-2014": ["independence referendum", r"\b2014 referendum"],
    "ooc-qatar-world-cup": [r"2022 World Cup", r"World Cup[^.]{0,40}2022"],
    "ooc-truss-successor": ["Liz Truss"],
    "ooc-queen-death": ["Elizabeth II"],
    "ooc-obama-inauguration": ["Obama"],
    "ooc-android-users": ["Android"],
    "ooc-youtube-uploads": ["YouTube"],
    "ooc-corbyn-successor": ["Corbyn"],
    "ooc-trump-elected": [r"Trump.{0,60}(elected|president)", r"President Trump"],
    "ooc-waymo": ["Waymo", "driverless"],
    "ooc-gpt4-params": ["GPT"],
    # eval/bbc2.jsonl
    "q2-ooc-ipad-launch": [r"\biPad"],
    "q2-ooc-linkedin-price": ["LinkedIn"],
    "q2-ooc-whatsapp-founders": ["WhatsApp"],
    "q2-ooc-fukushima-reactors": ["Fukushima"],
    "q2-ooc-whole-foods-price": ["Whole Foods"],
    "q2-ooc-bolt-100m-record": [r"\bUsain", r"(?-i:Bolt)\b[^.]{0,60}(100m|sprint|record)"],
    "q2-ooc-raspberry-pi-price": ["Raspberry Pi"],
    "q2-ooc-snapchat-users": ["Snapchat"],
    "q2-ooc-pope-benedict-resigns": ["Benedict XVI", "Pope Benedict", "Ratzinger"],
    "q2-ooc-deepwater-fine": [
        "Deepwater",
        "Macondo",
        "Gulf of Mexico[^.]{0,60}(spill|explosion|blowout)",
    ],
    "q2-ooc-burj-khalifa-height": ["Burj"],
    "q2-ooc-wii-uk-price": [r"\bWii\b"],
    "q2-ooc-bgt-first-winner": ["Got Talent"],
    "q2-ooc-xbox-360-uk-price": ["Xbox 360", r"Xbox 2\b[^.]{0,80}(£|\$)\d"],
    "q2-ooc-northern-rock-run": ["Northern Rock"],
    "q2-ooc-pluto-dwarf-planet": ["Pluto", "dwarf planet"],
    "q2-ooc-london-bombings-deaths": ["7 July", "July 7", "7/7", "London bombings"],
    "q2-ooc-kindle-launch": ["Kindle"],
    "q2-ooc-wikileaks-founder": ["WikiLeaks", "Assange"],
    "q2-ooc-merkel-chancellor": ["Merkel"],
}

_COPIED_WORDS = 6
_WORD = re.compile(r"[a-z0-9£$%.,'-]+")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", nargs="?", type=Path, default=Path("eval/bbc.jsonl"))
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus/bbc/train.csv"))
    args = parser.parse_args(argv)
    with args.corpus.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [fix_text(row["text"]) for row in rows]
    titles = [guess_title(text)[0] for text in texts]
    questions = [
        json.loads(line) for line in args.questions.read_text("utf-8").splitlines() if line.strip()
    ]
    ids = [str(q["id"]) for q in questions]
    problems = [
        f"{qid}: id used {ids.count(qid)} times" for qid in sorted(set(ids)) if ids.count(qid) > 1
    ]
    for q in questions:
        if q["type"] == "near-miss":
            problems += _near_miss(q, texts)
        elif q["type"] == "out-of-corpus":
            problems += _out_of_corpus(q, texts)
        else:
            problems += _answerable(q, rows, texts, titles)
    for problem in problems:
        print(problem)
    print(f"{len(questions)} questions checked against {len(rows)} rows: {len(problems)} problems")
    return 1 if problems else 0


def _answerable(
    q: dict[str, object], rows: list[dict[str, str]], texts: list[str], titles: list[str]
) -> list[str]:
    qid, row, article = q["id"], q["row"], str(q["article"]).casefold()
    if not isinstance(row, int) or not 0 <= row < len(rows):
        return [f"{qid}: row {row!r} is not a row of the corpus"]
    expected = [str(e) for e in q["expected"]]  # type: ignore[attr-defined]
    problems = []
    if rows[row]["category"] != q["category"]:
        problems.append(f"{qid}: row {row} is {rows[row]['category']}, not {q['category']}")
    text = texts[row].casefold()
    if missing := [e for e in expected if e.casefold() not in text]:
        problems.append(f"{qid}: expected {missing} not in row {row}")
    if article not in titles[row].casefold():
        problems.append(f"{qid}: {q['article']!r} not in the title {titles[row]!r}")
    for other, title in enumerate(titles):
        shared = other != row and article in title.casefold()
        if shared and not any(e.casefold() in texts[other].casefold() for e in expected):
            problems.append(f"{qid}: {q['article']!r} also titles row {other}, without the answer")
    if run := copied(str(q["question"]), text):
        problems.append(f"{qid}: question copies the article: {run!r}")
    return problems


def copied(question: str, text: str) -> str | None:
    """Six consecutive words of `question` found in `text` (both compared casefolded), or None."""
    text = text.casefold()
    words = _WORD.findall(question.casefold())
    article = " ".join(_WORD.findall(text))
    for start in range(len(words) - _COPIED_WORDS + 1):
        run = " ".join(words[start : start + _COPIED_WORDS])
        if f" {run} " in f" {article} ":
            return run
    return None


def _near_miss(q: dict[str, object], texts: list[str]) -> list[str]:
    qid = str(q["id"])
    if qid not in _NEAR_MISS:
        return [f"{qid}: no probes for this near-miss question"]
    topic, probes = _NEAR_MISS[qid]
    on_topic = [i for i, text in enumerate(texts) if re.search(topic, text, re.I)]
    if not on_topic:
        return [f"{qid}: topic {topic!r} is in no row, so this is not a near miss"]
    return [
        f"{qid}: probe {probe!r} matches row {i}: {match.group(0)!r}"
        for probe in probes
        for i in on_topic
        if (match := re.search(probe, texts[i], re.I))
    ]


def _out_of_corpus(q: dict[str, object], texts: list[str]) -> list[str]:
    qid = str(q["id"])
    if qid not in _OUT_OF_CORPUS:
        return [f"{qid}: no probes for this out-of-corpus question"]
    return [
        f"{qid}: probe {probe!r} matches row {i}: {match.group(0)!r}"
        for probe in _OUT_OF_CORPUS[qid]
        for i, text in enumerate(texts)
        if (match := re.search(probe, text, re.I))
    ]


if __name__ == "__main__":
    sys.exit(main())
