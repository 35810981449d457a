"""Which sentences of a document try to instruct instead of inform, and keeping them out.

Retrieved text is data. A sentence is suspicious when it addresses the assistant, tries to
override instructions, or asks the reader to hand over credentials, sign in through a
link, forward private material, or contact an outside address. The rules read a folded
copy of each sentence (look-alike letters made Latin, accents dropped, lower case) and
know English, French, German and Spanish wording. Adjacent sentences are also read
together, so an instruction split over two sentences is caught as a pair.

``screen_document`` removes suspicious sentences (and headings) from a parsed document
before it is chunked, and returns the ``DocumentReview`` that records them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from coach.knowledge.readers import ParsedDocument
from coach.knowledge.review import DocumentReview, QuarantinedSentence
from coach.knowledge.sanitise import fold_lookalikes, strip_invisible


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


ASSISTANT = _any(
    r"ai",
    r"a\.i\.",
    "assistant",
    "assistants",
    "model",
    "language model",
    "llm",
    "chatbot",
    "bot",
    "copilot",
    "system",
    "ia",
    "assistente",
    "asistente",
    "assistenten",
    "ki",
    "sprachmodell",
    "modele",
    "modelo",
    "chat ?gpt",
)
URL = r"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|co|info|biz|xyz|example|app|site|online|link)\b(?:/\S*)?"
EMAIL = r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"
PHONE = r"\+?\d[\d ().-]{7,}\d"
NEGATION = _any(
    "never",
    "not",
    "don't",
    "dont",
    "do not",
    "no one",
    "nobody",
    "avoid",
    "refuse",
    "jamais",
    "ne",
    "pas",
    "nie",
    "niemals",
    "nicht",
    "keine?n?",
    "nunca",
    "no",
    "evite",
    "evitez",
    "vermeiden",
)

ADDRESSED = [
    rf"\b{_any('note', 'notes', 'message', 'instructions?', 'reminder', 'memo', 'directive')}\s+"
    rf"{_any('to', 'for')}\s+(?:the\s+|any\s+|all\s+)?{ASSISTANT}s?\b",
    rf"^\W*{_any('ai', 'assistant', 'llm', 'chatbot', 'copilot', 'ia', 'ki', 'asistente')}\s*"
    rf"(?:note|instructions?)?\s*:",
    rf"\b{_any('dear', 'hey', 'hi', 'hello', 'attention', 'attn')}\s*,?\s+{ASSISTANT}s?\b",
    rf"\bif you (?:are|were) (?:an?\s+)?(?:{ASSISTANT}|automated|summari[sz]ing)",
    rf"\b{ASSISTANT}s?\s+{_any('reading', 'processing', 'summari[sz]ing', 'answering', 'indexing')}\b",
    rf"\b{_any('in', 'at the end of', 'append to', 'add to', 'start')}\s+{_any('your', 'every', 'each', 'all')}\s+"
    rf"{_any('answers?', 'responses?', 'replies', 'summar(?:y|ies)', 'output')}\b",
    rf"\b{_any('tell', 'instruct', 'direct', 'inform', 'advise')}\s+(?:the\s+|all\s+|every\s+)?"
    rf"{_any('users?', 'readers?', 'whoever asks', 'anyone who asks')}\b",
    rf"\bwhen {_any('answering', 'responding', 'replying')}\s+(?:to\s+)?{_any('users?', 'queries', 'prompts', 'requests')}\b",
    rf"\bwhen {_any('summari[sz]ing', 'indexing', 'processing')}\s+{_any('this', 'the')}\s+"
    rf"{_any('document', 'page', 'text', 'guide', 'file')}\b",
    rf"\b(?:note|message|consigne)s?\s+{_any('a', 'pour')}\s+(?:l'|la |le )?{ASSISTANT}\b",
    rf"\b(?:hinweis|nachricht|notiz|anweisung)\w*\s+{_any('an', 'fur')}\s+(?:den |die |das )?{ASSISTANT}\w*",
    rf"\b(?:nota|mensaje|instrucciones?)\s+{_any('para', 'al', 'a')}\s+(?:el |la )?{ASSISTANT}\b",
    rf"\b(?:si vous etes|si tu es|wenn du|wenn sie|si eres|si usted es)\s+(?:un |une |eine? |una? )?{ASSISTANT}\b",
]
OVERRIDE = [
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,40}\b(?:instructions?|prompts?|rules|directives?|"
    r"guidelines|context|messages?|guidance)\b",
    r"\b(?:reply|respond|answer|output|print|say|write)(?: \w+){0,2} (?:only|exactly|nothing but)\b",
    r"\byou are (?:now|no longer)\b",
    r"\b(?:system|developer|hidden) (?:prompt|message|instructions?)\b",
    r"\bnew instructions?\b",
    r"\bpretend (?:to be|you are)\b",
    r"\b(?:supersedes?|overrides?|replaces?)\s+(?:all\s+|any\s+)?(?:other|previous|prior|earlier|the above|existing)\b",
    r"\bfrom now on\b[^.!?\n]{0,40}\b(?:you|always|answer|reply|respond|recommend)\b",
    r"\bjailbreak\b",
    r"\b(?:ignorez|ignore|oubliez|oublie)\b[^.!?\n]{0,40}\b(?:instructions|consignes|regles|directives)\b",
    r"\b(?:ignoriere|ignorieren sie|ignoriert|vergiss|vergessen sie|missachte)\b[^.!?\n]{0,40}"
    r"\b(?:anweisungen|regeln|vorgaben|anleitungen)\b",
    r"\b(?:ignora|ignore|ignoren|olvida|olvide|omite)\b[^.!?\n]{0,40}\b(?:instrucciones|reglas|indicaciones)\b",
]
CREDENTIAL = _any(
    "passwords?",
    "passcodes?",
    "passphrases?",
    "pass code",
    "credentials?",
    "login details",
    "log-in details",
    "sign-in details",
    "login",
    "pin codes?",
    "pin numbers?",
    "one-time codes?",
    "otp",
    "mfa codes?",
    "2fa codes?",
    "verification codes?",
    "security codes?",
    "recovery codes?",
    "api keys?",
    "access tokens?",
    "mot de passe",
    "mots de passe",
    "identifiants",
    "code d'acces",
    "passwort",
    "kennwort",
    "zugangsdaten",
    "anmeldedaten",
    "contrasena",
    "contrasenas",
    "credenciales",
    "clave de acceso",
    "codigo de verificacion",
)
REQUEST = _any(
    "enter",
    "type",
    "provide",
    "share",
    "send",
    "give",
    "submit",
    "confirm",
    "verify",
    "re-?enter",
    "update",
    "supply",
    "paste",
    "reply",
    "respond",
    "include",
    "disclose",
    "hand over",
    "tell us",
    "write down",
    "post",
    "email",
    r"e-mail",
    "saisi\\w*",
    "entrez",
    "indiquez",
    "fournissez",
    "envoyez",
    "communiquez",
    "confirmez",
    "partagez",
    "donnez",
    "renseignez",
    "geben",
    "gib",
    "eingeben",
    "senden",
    "schicken",
    "teilen",
    "bestatigen",
    "angeben",
    "mitteilen",
    "ubermitteln",
    "introduzca",
    "introduce",
    "ingrese",
    "ingresa",
    "escriba",
    "envie",
    "envia",
    "comparta",
    "comparte",
    "proporcione",
    "confirme",
    "facilite",
    "indique",
)
SIGN_IN = _any(
    "sign in",
    "sign-in",
    "signin",
    "log in",
    "log-in",
    "login",
    "log on",
    "logon",
    "authenticate",
    "re-authenticate",
    "verify your (?:account|identity|details)",
    "single sign-on",
    "sso",
    "connectez-vous",
    "se connecter",
    "connexion",
    "identifiez-vous",
    "anmelden",
    "melden sie sich",
    "einloggen",
    "inicia sesion",
    "iniciar sesion",
    "inicie sesion",
    "acceda",
)
LINK_WORDS = _any(
    "link",
    "button",
    "portal",
    "page",
    "form",
    "below",
    "here",
    "lien",
    "portail",
    "formulaire",
    "ici",
    "enlace",
    "portal",
    "formulario",
    "aqui",
    "seite",
    "formular",
    "hier",
)
SEND = _any(
    "forward",
    "send",
    "email",
    r"e-mail",
    "mail",
    "share",
    "upload",
    "copy",
    "cc",
    "bcc",
    "post",
    "submit",
    "transfer",
    "export",
    "sync",
    "attach",
    "paste",
    "transferez",
    "envoyez",
    "partagez",
    "transmettez",
    "copiez",
    "leiten",
    "weiterleiten",
    "weiter",
    "senden",
    "schicken",
    "teilen",
    "hochladen",
    "reenvie",
    "reenviar",
    "envie",
    "enviar",
    "comparta",
    "compartir",
    "suba",
    "subir",
    "reenvia",
    "envia",
    "forwards?",
    "sends?",
    "emails?",
)
PRIVATE = _any(
    "notes",
    "note",
    "transcripts?",
    "recordings?",
    "reflections?",
    "rehearsals?",
    "journals?",
    "minutes",
    "confidential",
    "private",
    "sensitive",
    "personal (?:data|information|details)",
    "hr (?:records|files)",
    "performance reviews?",
    "salar(?:y|ies)",
    "medical",
    "feedback forms?",
    "files?",
    "documents?",
    "notes de seance",
    "confidentiel\\w*",
    "prive\\w*",
    "comptes rendus",
    "notizen",
    "protokolle?",
    "vertraulich\\w*",
    "personlich\\w*",
    "aufzeichnungen",
    "notas",
    "confidencial\\w*",
    "privad\\w*",
    "grabaciones",
    "actas",
)
DESTINATION = _any(
    EMAIL,
    URL,
    "outside",
    "external",
    "third[- ]part(?:y|ies)",
    "personal (?:email|e-mail|account|address|inbox)",
    "gmail",
    "private (?:address|email|inbox)",
    "(?:the |this |following |that )address",
    "address (?:below|above)",
    "externe?",
    "adresse",
    "extern\\w*",
    "externa",
    "direccion",
    "correo",
)
CONTACT = _any(
    "contact",
    "write to",
    "reach out",
    "message",
    "dm",
    "email",
    r"e-mail",
    "call",
    "text",
    "whatsapp",
    "phone",
    "ring",
    "register",
    "report to",
    "contactez",
    "ecrivez",
    "appelez",
    "kontaktieren",
    "schreiben",
    "rufen",
    "contacte",
    "escriba",
    "llame",
)


@dataclass(frozen=True)
class Rule:
    reason: str
    pattern: re.Pattern[str]


def _compile(reason: str, *patterns: str) -> list[Rule]:
    return [Rule(reason, re.compile(p, re.IGNORECASE)) for p in patterns]


def _all(*parts: str) -> str:
    """Every part somewhere in the sentence, in any order."""
    return "^" + "".join(f"(?=.*?(?:{part}))" for part in parts)


def _word(alternatives: str) -> str:
    return rf"\b{alternatives}\b"


RULES: list[Rule] = [
    *_compile("addresses the assistant", *ADDRESSED),
    *_compile("tries to override instructions", *OVERRIDE),
    *_compile(
        "asks for credentials",
        _all(_word(REQUEST), _word(CREDENTIAL)),
        _all(_word(CREDENTIAL), f"{URL}|{EMAIL}"),
    ),
    *_compile("sends the reader to a sign-in link", _all(_word(SIGN_IN), f"{URL}|{_word(LINK_WORDS)}")),
    *_compile("asks to forward private material", _all(_word(SEND), _word(PRIVATE), DESTINATION)),
    *_compile("asks to contact an outside address", EMAIL, _all(_word(CONTACT), f"{PHONE}|{URL}")),
]
#: Reasons that a warning ("never share your password") does not excuse.
_ALWAYS = {"addresses the assistant", "tries to override instructions", "asks to contact an outside address"}
_NEGATED = re.compile(rf"\b{NEGATION}\b", re.IGNORECASE)
_NOT_A_NEGATION = re.compile(
    r"\b(?:don'?t|do not|never) forget\b|\bn'oubliez pas\b|\bvergessen sie nicht\b|\bvergiss nicht\b|"
    r"\bno (?:olvide|olvides)\b|\bnot only\b|\bif not\b",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """The copy the rules read: visible, Latin look-alikes folded, no accents, lower case."""
    plain = fold_lookalikes(strip_invisible(text))
    decomposed = unicodedata.normalize("NFKD", plain)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("’", "'").lower().split())


def reasons(sentence: str) -> list[str]:
    """Why ``sentence`` is suspicious (empty when it is not)."""
    folded = fold(sentence)
    negated = bool(_NEGATED.search(_NOT_A_NEGATION.sub(" ", folded)))
    found: list[str] = []
    for rule in RULES:
        if rule.reason in found or (negated and rule.reason not in _ALWAYS):
            continue  # "never share your password with anyone" is advice, not a request
        if rule.pattern.search(folded):
            found.append(rule.reason)
    return found


def is_suspicious(sentence: str) -> bool:
    """True for a sentence that instructs the assistant or the reader as a planted text would."""
    return bool(reasons(sentence))


_SENTENCE = re.compile(r"(?<=[.!?;:])[\"'”’)\]]*\s+|\s*\|\s*|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of the sentences (and table cells, and lines) of ``text``."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in _SENTENCE.finditer(text):
        if text[cursor : match.start()].strip():
            spans.append((cursor, match.start()))
        cursor = match.end()
    if text[cursor:].strip():
        spans.append((cursor, len(text)))
    return spans


def flagged_spans(text: str) -> list[tuple[int, int, list[str]]]:
    """Suspicious sentences of ``text`` with their reasons, each alone or read with its neighbour."""
    spans = sentence_spans(text)
    found: dict[int, list[str]] = {}
    for index, (start, end) in enumerate(spans):
        why = reasons(text[start:end])
        if why:
            found[index] = why
    for index in sorted(found):
        label = text[spans[index][0] : spans[index][1]].rstrip()
        if label.endswith(":") and index + 1 < len(spans) and index + 1 not in found:
            found[index + 1] = ["follows a note to the assistant"]
    for index in range(len(spans) - 1):
        if index in found or index + 1 in found:
            continue
        joined = text[spans[index][0] : spans[index + 1][1]]
        why = reasons(joined)
        if why:
            split = [f"{r} (split over two sentences)" for r in why]
            found[index] = found[index + 1] = split
    return [(spans[i][0], spans[i][1], found[i]) for i in sorted(found)]


def remove_flagged(text: str, replacement: str = "") -> tuple[str, list[tuple[str, list[str]]]]:
    """``text`` with its suspicious sentences replaced, and those sentences with their reasons."""
    flagged = flagged_spans(text)
    if not flagged:
        return text, []
    parts: list[str] = []
    cursor = 0
    for start, end, _ in flagged:
        parts.append(text[cursor:start])
        parts.append(replacement)
        cursor = end
    parts.append(text[cursor:])
    kept = re.sub(r"[ \t]{2,}", " ", "".join(parts))
    kept = "\n".join(line.rstrip() for line in kept.splitlines())
    return kept, [(" ".join(text[s:e].split()), why) for s, e, why in flagged]


REMOVED_HEADING = "Untitled section"


def screen_document(doc: ParsedDocument) -> DocumentReview:
    """Take suspicious sentences and headings out of ``doc`` (in place); return the record.

    The document's title and headings are checked as well as its text: a heading that
    instructs is replaced by a neutral one.
    """
    review = DocumentReview(source=doc.source, title=doc.title, removed=[(r.kind, r.text) for r in doc.removed])
    for kind, text in review.removed:
        if kind in ("html comment", "hidden element", "image alt text") and reasons(text):
            review.quarantined.append(
                QuarantinedSentence(heading="", text=text, reasons=[f"{kind}: " + r for r in reasons(text)])
            )
    if reasons(doc.title):
        review.quarantined.append(QuarantinedSentence(heading="(title)", text=doc.title, reasons=reasons(doc.title)))
        doc.title = REMOVED_HEADING
    for section in doc.sections:
        path = []
        for title in section.heading_path:
            why = reasons(title)
            if why:
                review.quarantined.append(QuarantinedSentence(heading="(heading)", text=title, reasons=why))
            path.append(REMOVED_HEADING if why else title)
        section.heading_path = tuple(path)
        kept, flagged = remove_flagged(section.text)
        heading = " > ".join(section.heading_path)
        review.quarantined += [QuarantinedSentence(heading=heading, text=t, reasons=w) for t, w in flagged]
        section.text = kept
    doc.sections = [s for s in doc.sections if s.text.strip()]
    return review
