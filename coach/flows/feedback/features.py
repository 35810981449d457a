"""Evidence finders for the SBI feedback rubric (situation, behaviour, impact, request, respect).

Each finder looks at one sentence and returns the level (0, 1 or 2) that sentence supports
for one criterion; the scorer keeps the best sentence as evidence. Lexicons come from
``knowledge/data/feedback_rubric.yaml``; the patterns here capture grammar (tense, who acts,
what is asked) that a word list cannot. The inputs of the fitted models built from these
levels live in ``coach.flows.feedback.model_inputs`` and are re-exported here.
"""

from __future__ import annotations

import re
from typing import Any

from coach.flows.feedback.model_inputs import (
    HAND_FEATURES,
    RULE_CRITERIA,
    hand_features,
    model_layers,
    model_probabilities,
)
from coach.text import QUOTED as _QUOTE
from coach.text import any_phrase, find_phrases, normalise

__all__ = [
    "HAND_FEATURES",
    "RULE_CRITERIA",
    "behavior_level",
    "hand_features",
    "impact_level",
    "model_layers",
    "model_probabilities",
    "request_level",
    "respect_level",
    "respect_signals",
    "situation_level",
]

_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
_EVENT = (
    r"(?:meeting|review|call|town\s*hall|stand-?up|standup|panel|demo|kick-?off|all-?hands|workshop|steering\s+group|"
    r"newsletter|email|e-mail|deck|slide|presentation|one-to-one|1:1|session|sprint|retro|retrospective|offsite|"
    r"interview|briefing|huddle|update|announcement|board\s+meeting|conference|training|lunch|dinner|webinar|"
    r"launch|pitch|report|memo|post|thread|message|chat|channel|review\s+meeting|check-?in|planning|appraisal|"
    r"video\s+call|zoom|teams\s+call)"
)
_SPECIFIC_TIME = re.compile(
    rf"\b(?:yesterday|this\s+morning|this\s+afternoon|earlier\s+today|today|last\s+(?:week|month|night|{_DAY}|quarter|time)|"
    rf"(?:on|last|this\s+past)\s+{_DAY}|{_DAY}'s|yesterday's|today's|last\s+week's|last\s+month's|this\s+morning's|"
    rf"(?:in|on|during|at)\s+(?:the\s+)?{_MONTH}|{_MONTH}\s+\d|on\s+the\s+\d{{1,2}}(?:st|nd|rd|th)|the\s+next\s+day|"
    rf"(?:two|three|a\s+few|\d+)\s+(?:days|weeks)\s+ago|last\s+\w+'s)\b"
)
_SPECIFIC_EVENT = re.compile(
    rf"\b(?:in|at|during|on|from|after|before)\s+(?:the|our|your|this|that|last\s+week's|yesterday's|today's|{_DAY}'s|"
    rf"the\s+{_MONTH}|\w+'s)\s+(?:[\w-]+\s+){{0,3}}{_EVENT}\b(?!s)|\b(?:when\s+we\s+met|slide\s+\d+|the\s+[\w-]+\s+{_EVENT}\s+you\s+"
    rf"(?:sent|gave|ran|led|wrote|posted))\b"
)
_GENERIC_CONTEXT = re.compile(
    rf"\b(?:in|at|during)\s+(?:[\w-]+\s+)?{_EVENT}s\b|\b(?:sometimes|recently|lately|usually|often|occasionally|"
    rf"tend\s+to|these\s+days|at\s+the\s+moment|when\s+you|whenever\s+you|the\s+way\s+you)\b|"
    rf"\b(?:your|the|our)\s+(?:[\w-]+\s+)?(?:{_EVENT}s?|slides|comments|draft|drafts|reports?|project\s+board|board|"
    rf"work|emails|messages|replies|calendar|deck|feedback)\b|\b(?:meetings|email|slides|messages|chat)\b"
)
_PAST_ACTION = re.compile(
    r"\byou\s+(?:then\s+|just\s+|also\s+|only\s+|quickly\s+)?"
    r"(?:said|asked|told|wrote|replied|sent|interrupted|moved|spoke|mentioned|checked|looked|paused|skipped|cut|"
    r"stopped|answered|presented|shared|thanked|named|described|called|cancelled|canceled|changed|posted|reacted|"
    r"joined|left|arrived|finished|forwarded|approved|rejected|ignored|took|gave|made|put|turned|kept|spent|ran|"
    r"handed|raised|dismissed|laughed|talked|read|typed|scheduled|booked|missed|walked|used|added|removed|"
    r"closed|opened|agreed|decided|promised|picked|introduced|assigned|edited|deleted|overruled|rewrote|"
    r"sat|let|stood|went|came|got|held|led|met|paid|brought|shut|threw|wore|forgot|began|broke|chose|drove|hung|rang|"
    r"shook|swore|tore|hid|hit|set|saw|lost|won|[a-z]+ed)\b|\byou(?:'ve|\s+have)\s+(?:also\s+|just\s+|now\s+)?(?:been\s+[a-z']+ing|[a-z]+ed|gone|sent|run|put|left|"
    r"made|taken|given|told|said|written|cut|kept|started|stopped)\b|\byou\s+did\s+[a-z]+\b|\byou\s+still\s+[a-z]+s?\b"
)
_CAMERA = re.compile(
    r"\b(?:your\s+camera\s+was|we\s+could\s+hear|you\s+were\s+(?:typing|on\s+your\s+phone|looking)|"
    r"i\s+(?:saw|heard|noticed)\s+(?:you|that\s+you))\b"
)
_ANY_ACTION = re.compile(
    r"\byou(?:'re|\s+are)?\s+(?:\w+ly\s+)?(?:use|using|answer|answering|interrupt|interrupting|respond|responding|"
    r"give|giving|hand|send|sending|reply|replying|cut|talk|talking|speak|speaking|schedule|scheduling|doing|do|"
    r"delegate|listen|write|writing|ask|asking|share|sharing|check|checking|present|presenting|say|saying|"
    r"leave|email|call|book|skip|move|take|make|run|post|comment|forward|stop|keep|miss|ignore)\b|"
    r"\byou\s+(?:always|never|usually|often|sometimes|occasionally|rarely|tend\s+to|could|should)\s+\w+|"
    r"\b(?:get|gets|got|getting)\s+forgotten\b|\b(?:time|reach)\s+(?:with|to)\s+you\b|hard\s+to\s+reach|"
    r"\byour\s+(?:comments|email|emails|messages|replies|slides|deck|feedback)\b"
)
_IMPACT_STRONG = re.compile(
    r"\b(?:told\s+me|messaged\s+me|emailed\s+me|asked\s+me|came\s+to\s+me|went\s+(?:silent|quiet)|go\s+quiet|"
    r"stopped|didn't\s+(?:speak|post|know|say|come|reply)|couldn't|wasn't\s+sure|weren't\s+sure|"
    r"(?:i|she|he|they|we|group|team|people|everyone|analysts|engineers)\s+(?:\w+\s+)?(?:felt|feels)|now\s+\w+|"
    r"afterwards|as\s+a\s+result|which\s+meant|that\s+meant|so\s+(?:the|we|they|she|he|people|nobody|no\s+one)\b|"
    r"so\s+i\s+(?!'d|would|think)|started\s+rumou?rs|got\s+\w+\s+(?:emails|messages|complaints|questions)|paused|"
    r"delayed|missed|lost|had\s+to|have\s+to|planning\s+around|flagged|in\s+the\s+meantime|invisible|undermined|"
    r"left\s+(?:me|us|the)|end(?:ed|s)?\s+up|asked\s+to\s+(?:be|move|leave|switch)|handed\s+in|applying\s+elsewhere|"
    r"won't\s+(?:volunteer|speak|share|come|join|ask)|doubled|halved|dropped\s+from|fell\s+from|rose\s+from|hadn't|"
    r"cost\s+(?:us|the|about|me)|redid|redo|rework|re-?did|left\s+without|formal\s+complaint|put\s+(?:us|it|them)\s+on|"
    r"(?:have|has)\s+since|started\s+[a-z]+ing|didn't\s+(?:pitch|raise|ask|present|share|volunteer|attend|reply))"
)
_IMPACT_WEAK = re.compile(
    r"\b(?:makes?|made|making)\s+(?:me|them|people|us|the\s+team|everyone|it)\b|\b(?:people|they|the\s+team|we|"
    r"everyone|some\s+of\s+us|the\s+new\s+starters|others)\s+(?:\w+\s+)?(?:end\s+up|get|gets|got|are|were|feel|felt|"
    r"noticed|notice|lose|waiting|finding|find|struggle|forgotten|discouraged)\b|\b(?:annoying|awkward|frustrating|"
    r"discouraged|confusing|dismissive|harsh|harshly|lose\s+them|grow\s+from|it\s+felt\s+(?!like)|it\s+lands|"
    r"not\s+ideal|wasn't\s+great|didn't\s+land|uncomfortable|upset|stressed|worried|unclear|wasn't\s+much\s+time|"
    r"there\s+wasn't|there\s+was\s+no|hard\s+to\s+interpret|hard\s+to\s+follow|went\s+down\s+badly|"
    r"shut\s+(?:things|it|people|us)\s+down|noticeable|affecting|putting\s+(?:people|us|them)\s+off|reads?\s+as|"
    r"a\s+bit\s+much|nobody\s+reads|(?:have|has)\s+noticed|mentioned\s+it|miss\s+it|bad\s+impression|"
    r"gone\s+down\s+(?:well|badly)|disappointed|stung|exhausting|embarrassing|(?:it|that)\s+helps|loved\s+it|"
    r"(?:feel|felt)\s+more|second-hand|(?:can't|cannot|can)\s+follow|read\s+(?:that|it|this)\s+as|big\s+difference)\b"
)
_QUANTITY = re.compile(
    r"\b\d+\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|several|forty|fifty|a\s+couple|half|most|hr|"
    r"the\s+client|the\s+team\s+lead|their\s+lead|the\s+team|the\s+group|she|he|her|him|i|me|we|us)\b"
)
_NAME = re.compile(r"(?<=[a-z,;]\s)[A-Z][a-z]+\b|\b[A-Z]{2,}\b")


def _specific_effect(sentence: str, low: str, start: int) -> bool:
    window = slice(max(0, start - 100), start + 80)
    return bool(_QUANTITY.search(low[window]) or _NAME.search(sentence[window]))


_REQUEST_ASK = re.compile(
    r"\b(?:could|would|can|will)\s+(?:you|we)\b|\bwould\s+(?:it|an?|a)\b|\bwhat\s+if\b|\bhow\s+about\b|"
    r"\b(?:next\s+time|in\s+future|in\s+the\s+future|going\s+forward|from\s+now\s+on)\b|\bplease\b|"
    r"\bi(?:'d|\s+would)\s+(?:like|suggest|love)\b|\bi\s+suggest\b|\bit\s+would\s+help\s+if\b|\bwould\s+you\s+be\b|"
    r"\blet's\b|\bshall\s+we\b"
)
_REQUEST_WEAK = re.compile(
    r"\b(?:you\s+should|you\s+could|you\s+need\s+to|you\s+must|maybe|perhaps|try\s+to|it'?d\s+be\s+good|"
    r"it\s+would\s+be\s+good|it\s+might\s+be\s+worth|might\s+be\s+worth|worth\s+(?:trying|considering)|just\s+be|"
    r"be\s+more|stop\s+\w+ing|just\s+stop|think\s+about|i'd\s+just|i\s+would\s+just|consider|i\s+was\s+wondering|"
    r"i\s+wonder)\b"
)
_REQUEST_VAGUE = re.compile(
    r"\b(?:be\s+(?:more|less|better)|think\s+about|find\s+a\s+way|look\s+at\s+(?:it|that|this)|do\s+better|"
    r"more\s+space|improve|work\s+on\s+(?:it|that|this)|that\s+thing|differently|something|be\s+careful|"
    r"more\s+careful|listen\s+more|more\s+open|(?:be|something|bit)\s+different|(?:be|,)\s+(?:sort\s+of,?\s+)?different)\b"
)
_REQUEST_CONCRETE = re.compile(
    rf"\b(?:next|before|after|by|this\s+(?:week|quarter|month)|at\s+the\s+next|in\s+the\s+next|each|every\s+{_DAY}|"
    rf"{_DAY}|\d+|one|two|three|minutes|hour|name|by\s+name|first|only|agree|block|split|send|add|mention|"
    rf"share|set\s+up|pick|hand\s+over|let\s+(?:her|him|them)|ask|open\s+with|acknowledge|check|walkthrough|note|"
    rf"heads-up|keep\s+the|use|using|stop\s+scheduling|schedule|book|run|wait|list)\b|{_QUOTE.pattern}"
)
_OCCASION = re.compile(
    rf"\b(?:next\s+\w+|before\s+the|by\s+{_DAY}|this\s+(?:week|quarter|month|sprint)|{_DAY}|\d+|one|two|three)\b|"
    rf"{_QUOTE.pattern}"
)
_SARCASM = re.compile(
    r"\b(?:i'm\s+sure\s+you're\s+very\s+busy|being\s+important|why\s+would\s+you|what\s+were\s+you\s+thinking|"
    r"waste\s+of\s+time|disaster|it's\s+obvious|obviously|too\s+controlling|controlling|you're\s+too|"
    r"for\s+someone\s+your\s+age|like\s+you\s+tend|managers\s+like\s+you|really\s+annoying|annoying|no\s+offen[cs]e|"
    r"stick\s+to\s+what\s+you\s+know|for\s+once|you\s+clearly\s+think|bless|i'm\s+sure\s+(?:the|they|everyone|we)|"
    r"if\s+it's\s+not\s+too\s+much|snooze|you'd\s+think|here\s+we\s+are|interesting\s+choice|hilarious|great\s+job,?\s*$|"
    r"circus|good\s+luck|(?:is|are|was)\s+a\s+joke|sort\s+it\s+out|painful|not\s+a\s+people\s+person|even\s+bother|"
    r"masterclass\s+in|oh\s+look|rambling|real\s+mature|stage\s+of\s+life|relic|dinosaur|clueless|pathetic|ridiculous|"
    r"seriously\?|try\s+listening|kind\s+of\s+defensive|a\s+bit\s+of\s+a)\b"
)
_ACKNOWLEDGE = re.compile(
    r"\b(?:i\s+know\s+you|i\s+get\s+that|i'm\s+sure\s+it\s+was|i\s+understand|you\s+clearly|the\s+content\s+itself|"
    r"your\s+\w+\s+has\s+saved|which\s+is\s+a\s+good\s+thing|you've\s+been\s+great|i\s+appreciate|thank|thanks|"
    r"helpful|i\s+value|i'm\s+not\s+questioning|was\s+strong|you\s+want\s+(?:us|everyone)|you\s+were\s+trying|"
    r"your\s+calendar\s+is|would\s+you\s+be\s+open|would\s+it\s+work|it\s+might\s+be\s+worth|i\s+wonder\s+if|"
    r"(?:really\s+)?appreciated|cheers\s+for|i\s+know\s+(?:your|the|it|this|how)|you've\s+been\s+(?:brilliant|great|so)|"
    r"i\s+love\s+(?:that|how)|lovely|more\s+of\s+that|means\s+a\s+lot|meant\s+a\s+lot|brilliant(?:ly)?|inspiring|"
    r"you\s+probably\s+didn't\s+mean|i\s+can\s+see\s+(?:how|that|you))\b"
)


def _rubric_cues(rubric: dict[str, Any], criterion: str, key: str = "cues") -> list[str]:
    for item in rubric["criteria"]:
        if item["id"] == criterion:
            return list(item.get(key, []))
    return []


def situation_level(sentence: str, rubric: dict[str, Any]) -> int:
    """2: a named past moment (time or specific event); 1: a general context; 0: none."""
    low = normalise(sentence)
    future = re.search(r"\b(?:next|upcoming|future|tomorrow|going\s+forward|before\s+the)\b", low)
    time = _SPECIFIC_TIME.search(low)
    event = _SPECIFIC_EVENT.search(low)
    if sentence.rstrip().endswith("?") and _REQUEST_ASK.search(low) and not _PAST_ACTION.search(low):
        return 1 if time or event else 0  # a time inside a request points to the future
    if (time and not _is_future(low, time.start())) or (event and not _is_future(low, event.start())):
        return 2
    if any_phrase(sentence, _rubric_cues(rubric, "situation")) and not future:
        return 1
    return 1 if _GENERIC_CONTEXT.search(low) and not re.search(r"\bnext\s+\w+", low) else 0


def _is_future(low: str, position: int) -> bool:
    before = low[max(0, position - 25) : position + 12]
    return bool(
        re.search(r"\b(?:next|upcoming|tomorrow|before\s+the|at\s+the\s+next|in\s+the\s+next|future)\b", before)
    )


_HABITUAL = re.compile(r"\byou\s+(?:always|never|usually|often|tend\s+to|sometimes|occasionally|rarely|generally)\b")
_VAGUE_OBJECT = re.compile(r"\b(?:that\s+thing|the\s+thing|the\s+whole\s+thing|stuff|what\s+you're\s+doing)\b")
_TIMING_DETAIL = re.compile(
    r"\b(?:late\s+at\s+night|over\s+lunch|at\s+weekends?|on\s+weekends?|after\s+hours|at\s+midnight|"
    r"before\s+\d|after\s+\d|at\s+\d{1,2}(?::\d\d)?\s*(?:am|pm)?)\b"
)
_ARTEFACT = re.compile(
    r"\b(?:your|the|\w+'s)\s+(?:[\w-]+\s+){0,2}(?:email|message|slides?|deck|comments|reply|replies|presentation|"
    r"update|memo|post|note|report)\b"
)
_ARTEFACT_JUDGED = re.compile(r"\b(?:felt|was|were|seemed|came\s+across|read\s+as|looked)\b")
_SUGGESTED_ACTION = re.compile(
    r"\b(?:maybe|perhaps|please|worth|try)\s+(?:\w+ing\s+|to\s+)?(?:listen|use|using|delegate|delegating|send|"
    r"reply|share|ask|write|speak|pause|invite|check|answer|schedule|book|mention|acknowledge|hand|pick)\b"
)

_COUNT = re.compile(r"\b\d+\b|\b(?:twice|two|three|four|five|six|seven|eight|nine|ten|twelve|fourteen|twenty)\b")
_SEEMED = re.compile(
    r"\byou\s+(?:can\s+|could\s+)?(?:seem|seemed|appear|appeared|sounded|looked|come\s+across|came\s+across)\b"
)
_INTERPRETED = re.compile(
    r"\byou\s+can\s+(?:be|get)\b|\bthe\s+way\s+(?:you|decisions|things)\s+\w+|\b(?:please\s+)?stop\s+\w+ing\b|"
    r"\byour\s+(?:[\w-]+\s+)?(?:decisions|jokes|tone|answers?|replies|comments|questions|updates?|style|approach|"
    r"agenda|emails?|messages?|feedback|presentations?)\s+(?:keep|kept|are|were|is|was|land|lands|come|comes|feel|"
    r"felt|seem|seemed|can)\b|\b(?:took|take|takes|taking)\s+credit\b|\btalk(?:s|ed|ing)?\s+over\b|"
    r"\bwent\s+off[\s-]script\b|\bkeeps?\s+changing\b"
)

#: "you" followed by a verb of doing (not of being, feeling or thinking), present tense.
_YOU_DO = re.compile(
    r"\byou\s+(?:keep\s+[a-z]+ing|(?!(?:are|were|be|seem|feel|think|know|need|should|could|would|can|might|must|will|"
    r"care|want|mean|like|love|hate|believe|understand|deserve|value|rate|clearly|really|probably|may|do|did|don't|"
    r"didn't|have|had|get|got|look|sound|always|never|usually|often|sometimes|tend|seemed|felt)\b)[a-z]+s?\s+"
    r"(?:the|our|my|your|their|his|her|a|an|every|each|all|up|down|out|over|through|on|in|to|at|into|it|them|us|me|"
    r"people|everyone|ideas|[a-z]+s)\b)"
)
_THANKS_FOR_ACTION = re.compile(r"\b(?:thank\s+you|thanks|cheers)\s+(?:so\s+much\s+)?for\s+(?:always\s+)?[a-z]+ing\b")
_ACT_NOUN = re.compile(
    r"\byour\s+(?:[\w-]+\s+)?(?:decision|comment|remark|reply|talk|speech|announcement|answer|joke|jokes|habit|"
    r"handovers?|approvals?|sign-offs?)\s+(?:on|to|about|in|at|that|of)\b|\b(?:you\s+have\s+a\s+habit\s+of|"
    r"you're\s+(?:very\s+|so\s+|too\s+)?quick\s+to)\b"
)

_REQUEST_ONLY = re.compile(
    r"^\W*(?:(?:so|and|but|maybe|perhaps|just|also|um|honestly|one\s+thing),?\s+)*(?:(?:could|can|would|will)\s+(?:you|we)\b|"
    r"please\b|how\s+about\b|what\s+if\b|(?:try|consider|maybe)\s+(?!you\b))"
)
_CURRENT_HABIT = re.compile(
    r"\bstop\s+[a-z']+ing\b|\binstead\s+of\b|\brather\s+than\b|\bany\s?more\b|\bkeep\s+[a-z]+ing\b"
)
_COMPARATIVE_ASK = re.compile(
    r"\b(?:more|less|fewer|earlier|sooner|faster|slower|shorter|longer|better)\b|\b[a-z]+er\s+(?:than|next)\b"
)


def _concrete_detail(sentence: str, low: str) -> bool:
    """A count, a time of day, a named person or quoted words: what turns a habit into a picture."""
    return bool(_COUNT.search(low) or _TIMING_DETAIL.search(low) or _NAME.search(sentence) or _QUOTE.search(sentence))


def behavior_level(sentence: str) -> int:
    """2: an observable, specific action; 1: an action in general or interpreted terms; 0: labels only.

    A habit ("you always...", "you tend to...") is specific enough when it comes with a
    count, a time, a name or quoted words; otherwise it stays general.
    """
    low = normalise(sentence)
    if _VAGUE_OBJECT.search(low) and not _PAST_ACTION.search(low):
        return 0
    if _REQUEST_ONLY.match(low) and not _PAST_ACTION.search(low):
        # An ask describes behaviour only when it names the current habit ("stop...",
        # "instead of..."); "more"/"earlier" asks hint at it; a new practice describes none.
        if _CURRENT_HABIT.search(low):
            return 2 if _concrete_detail(sentence, low) or len(low.split()) >= 8 else 1
        return 1 if _COMPARATIVE_ASK.search(low) else 0
    habitual = _HABITUAL.search(low)
    seemed = _SEEMED.search(low)
    action = _PAST_ACTION.search(_SEEMED.sub(" ", low)) if seemed else _PAST_ACTION.search(low)
    if action or _CAMERA.search(low):
        if habitual:
            return 2 if _concrete_detail(sentence, low) else 1
        detail = len(low.split()) >= 8 or _QUOTE.search(sentence)
        return 2 if detail else 1
    if _QUOTE.search(sentence) and re.search(r"\byou\b", low):
        return 2
    artefact = _ARTEFACT.search(low)
    if artefact and _COUNT.search(low):
        return 2
    if _ANY_ACTION.search(low) or _YOU_DO.search(low) or _THANKS_FOR_ACTION.search(low):
        return 2 if _concrete_detail(sentence, low) and len(low.split()) >= 8 else 1
    if _ACT_NOUN.search(low):
        return 2 if _concrete_detail(sentence, low) or len(low.split()) >= 12 else 1
    hinted = (artefact and _ARTEFACT_JUDGED.search(low)) or _SUGGESTED_ACTION.search(low) or _INTERPRETED.search(low)
    return 1 if seemed or hinted else 0


def impact_level(sentence: str) -> int:
    """2: a specific effect on named people, numbers or the work; 1: a vague effect; 0: none."""
    low = normalise(sentence)
    strong = _IMPACT_STRONG.search(low)
    if strong and _specific_effect(sentence, low, strong.start()):
        return 2
    if strong or _IMPACT_WEAK.search(low):
        return 1
    return 0


def request_level(sentence: str) -> int:
    """2: a concrete, doable ask; 1: a general wish or vague suggestion; 0: none."""
    low = normalise(sentence)
    asks = _REQUEST_ASK.search(low)
    weak = _REQUEST_WEAK.search(low)
    if not asks and not weak:
        return 0
    if re.search(r"\bwhy\s+would\s+you\b|\bcould\s+you\s+not\b", low):
        return 0
    vague = _REQUEST_VAGUE.search(low)
    concrete = _REQUEST_CONCRETE.search(low)
    if asks and concrete and not vague:
        return 2
    if weak and not vague and _OCCASION.search(low):
        return 2
    return 1


def respect_signals(text: str, rubric: dict[str, Any]) -> dict[str, int]:
    """Counts of the tone signals the respect level is decided from."""
    low = normalise(text)
    issues = rubric["issue_patterns"]
    return {
        "negative": len(find_phrases(text, _rubric_cues(rubric, "respect", "negative_cues"))),
        "attack": len(find_phrases(text, issues["personal_attack"])),
        "sarcasm": len(_SARCASM.findall(low)),
        "acknowledge": len(_ACKNOWLEDGE.findall(low)),
        "hedges": len(find_phrases(text, issues["hedging"])),
        "vague_praise": len(find_phrases(text, issues["vague_praise"])),
        "words": len(low.split()),
    }


def respect_level(signals: dict[str, int], age_coded: bool) -> int:
    """0: attacks, sarcasm, absolutes or age-coded remarks; 2: acknowledges the person; else 1."""
    if signals["negative"] or signals["attack"] or signals["sarcasm"] or age_coded:
        return 0
    if signals["acknowledge"] and signals["hedges"] <= 2 and signals["words"] >= 12:
        return 2
    return 1
