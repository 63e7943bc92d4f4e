"""Commands a relative may send at any time, Telegram slash commands, greetings and yes/no.

Most commands are recognised only when they ARE the message (apart from courtesy words: "ayuda por
favor", "STOP gracias"), because the same words appear inside ordinary sentences: "busco a una
persona" is not a request for a human, "necesito ayuda para encontrar a mi hijo" is a search, "es
alto" describes someone. A few unmistakable phrases count anywhere: "hablar con una persona",
"darme de baja", "otra persona", "caso JRZ-4F7K".

Opting out must be honoured at once and must never be triggered by accident: "no" alone is an
answer, not an opt-out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.language.courtesy import courtesy_spans, says_thanks
from bot.language.normalize import Token, fold_inline


class Command(StrEnum):
    START = "start"  # Telegram /start (or SMS START): say the welcome
    HELP = "help"
    MENU = "menu"
    CASE = "case"  # status of a case; the code is in case_code (None: ask for it)
    HUMAN = "human"  # talk to a person
    YES = "yes"
    NO = "no"
    OPT_OUT = "opt_out"  # stop all messages
    NEW_SEARCH = "new_search"  # look for another person


# Courtesy and request words that may surround a command without changing it.
_FILLER = frozenset(
    """
    por favor porfa porfavor xfa plis pls please gracias muchas mil thanks thank you hola ola holi
    buenas buenos buen dias dia tardes noches saludos hi hello hey senor senora senorita quiero
    quisiera necesito deseo me gustaria ya solo nomas este bueno pues oiga disculpe mande
    """.split()
)

_SLASH = re.compile(r"^\s*/([a-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.S)
_SLASH_COMMANDS = {
    "start": Command.START,
    "inicio": Command.START,
    "ayuda": Command.HELP,
    "help": Command.HELP,
    "menu": Command.MENU,
    "caso": Command.CASE,
    "case": Command.CASE,
    "humano": Command.HUMAN,
    "human": Command.HUMAN,
    "persona": Command.HUMAN,
    "operador": Command.HUMAN,
    "agente": Command.HUMAN,
    "baja": Command.OPT_OUT,
    "stop": Command.OPT_OUT,
    "alto": Command.OPT_OUT,
    "cancelar": Command.OPT_OUT,
    "nueva": Command.NEW_SEARCH,
    "nuevo": Command.NEW_SEARCH,
    "otra": Command.NEW_SEARCH,
    "other": Command.NEW_SEARCH,
    "buscar": Command.NEW_SEARCH,
    "si": Command.YES,
    "no": Command.NO,
}


def _phrases(*items: str) -> frozenset[tuple[str, ...]]:
    return frozenset(tuple(p.split()) for p in items)


# The whole message (after removing _FILLER) is one of these.
_WHOLE: dict[Command, frozenset[tuple[str, ...]]] = {
    Command.HELP: _phrases(
        "ayuda",
        "help",
        "ayudenme",
        "ayudeme",
        "ayudame",
        "info",
        "informacion",
        "como funciona",
        "que hago",
        "que puedo hacer",
        "instrucciones",
    ),
    Command.MENU: _phrases("menu", "opciones", "inicio", "menu principal", "volver", "volver al menu"),
    Command.HUMAN: _phrases(
        "persona",
        "humano",
        "operador",
        "operadora",
        "agente",
        "asesor",
        "asesora",
        "human",
        "operator",
        "agent",
        "una persona",
        "un humano",
        "persona real",
        "un operador",
        "una operadora",
        "un agente",
        "un asesor",
        "representante",
        "ser humano",
        "hablar",
        "llamada",
        "que me llamen",
        "llamenme",
    ),
    Command.YES: _phrases(
        "si",
        "claro",
        "ok",
        "okay",
        "okey",
        "oki",
        "dale",
        "va",
        "sale",
        "simon",
        "sip",
        "yes",
        "yeah",
        "yep",
        "de acuerdo",
        "esta bien",
        "por supuesto",
        "claro que si",
        "si claro",
        "afirmativo",
        "correcto",
        "exacto",
        "asi es",
        "sii",
        "siii",
        "sure",
        "si si",
        "si avisenme",
        "si aviseme",
        "si me interesa",
        "ok si",
    ),
    Command.NO: _phrases(
        "no",
        "nop",
        "nope",
        "nel",
        "negativo",
        "no no",
        "tampoco",
        "ahorita no",
        "por ahora no",
        "no thanks",
        "no por ahora",
        "todavia no",
        "aun no",
        "mejor no",
    ),
    Command.OPT_OUT: _phrases(
        "baja",
        "stop",
        "alto",
        "cancelar",
        "cancela",
        "cancel",
        "unsubscribe",
        "stopall",
        "end",
        "quit",
        "parar",
        "detener",
        "basta",
        "salir",
        "de baja",
        "darme de baja",
        "dar de baja",
        "dame de baja",
        "denme de baja",
        "desuscribir",
        "desuscribirme",
        "no mas mensajes",
    ),
    Command.NEW_SEARCH: _phrases(
        "nueva",
        "nuevo",
        "otra",
        "otro",
        "otra persona",
        "otro familiar",
        "nueva busqueda",
        "otra busqueda",
        "buscar otra persona",
        "buscar a otra persona",
        "buscar otro",
        "buscar a otro",
        "new search",
        "other",
        "another",
        "another person",
        "someone else",
        "otra consulta",
        "nueva consulta",
    ),
}

# Phrases that decide the command wherever they appear.
_ANYWHERE: list[tuple[Command, re.Pattern[str]]] = [
    (
        Command.OPT_OUT,
        re.compile(
            r"\b(?:dar(?:me|nos)?|den(?:me)?|dame|quiero darme) de baja\b"
            r"|\bno (?:me )?(?:manden|envien|escriban|mande|envie|escriba)n? (?:mas|ningun)"
            r"|\bdej(?:en|e) de (?:escribir|enviar|mandar)"
            r"|\bya no (?:quiero|deseo) (?:recibir )?(?:mas )?(?:mensajes|avisos|notificaciones|sms)"
            r"|\bstop (?:sending|texting|messaging)|\bunsubscribe\b"
        ),
    ),
    (
        Command.HUMAN,
        re.compile(
            r"\b(?:hablar|comunicarme|platicar|contactar(?:me)?|chatear|pasame|paseme|comuniqueme|conecteme)"
            r" (?:con |a )?(?:una? |el |la |algun |alguna |alguien |otra )?"
            r"(?:persona|humano|operador|operadora|agente|asesor|asesora|alguien|representante|ser humano|"
            r"encargad[oa]|trabajador|funcionari[oa])\b"
            r"|\b(?:quiero|necesito|pido) (?:una persona|un humano|un operador|una operadora|un agente)\b"
            r"|\bpersona real\b|\bser humano\b"
            r"|\b(?:talk|speak|chat) (?:to|with) (?:a |an |some )?"
            r"(?:person|human|agent|operator|someone|somebody)\b"
        ),
    ),
    (
        Command.NEW_SEARCH,
        re.compile(
            r"\botra persona\b|\botro familiar\b|\b(?:nueva|otra) (?:busqueda|consulta)\b"
            r"|\bbuscar (?:a )?otr[oa]\b|\banother person\b|\bnew search\b|\bsomeone else\b"
        ),
    ),
]

# Case codes, e.g. JRZ-4F7K. After a keyword ("caso", "código", "folio", /caso) a space may stand for
# the dash; standing alone, the code needs its dash and a digit so hyphenated surnames
# ("PEREZ-GOMEZ") are not read as codes.
_CODE_KEYWORD = re.compile(
    r"(?:\b(?:caso|case|codigo|code|referencia|ref|folio|reporte)\b|^/caso\b|^/case\b)"
    r"\s*(?:n[o°º]\.?|num(?:ero)?\.?|#|:|es|is|de referencia)?\s*#?\s*"
    r"\b([a-z]{2,5})(?:\s*[-_]\s*([a-z0-9]{3,6})|\s+([a-z0-9]*\d[a-z0-9]*))\b"
)
# Our own references (bot cases: PREFIX-XXXX, 4 characters without 0/1/I/L/O) after a keyword, also
# without a dash or digit ("caso jrz ajwg", "CASO JRZ4F7K"); a 3-letter prefix that is a common word
# ("caso del juan") is not a code.
_CODE_KEYWORD_LOOSE = re.compile(
    r"(?:\b(?:caso|case|codigo|code|folio|referencia)\b|^/caso\b|^/case\b)\s*(?:es\s+|:\s*|#\s*)?"
    r"\b([a-z]{3})\s*[-_ ]?\s*([2-9a-hjkmnp-z]{4})\b"
)
_NOT_PREFIXES = frozenset({"del", "los", "las", "una", "uno", "que", "por", "mis", "sus", "con", "sin", "the",
                           "for", "and", "hay", "fue", "esta", "est", "ese", "esa", "son", "mas", "muy"})
_CODE_ALONE = re.compile(r"(?<![\w-])([a-z]{2,5})-([a-z0-9]{3,6})(?![\w-])")
_CODE_WHOLE = re.compile(r"^\s*#?([a-z]{2,5})[\s\-_]+([a-z0-9]{3,6})\s*[.!]?\s*$")

_GREETINGS = _phrases(
    "hola",
    "ola",
    "holi",
    "holaa",
    "buenas",
    "buenos dias",
    "buen dia",
    "buenas tardes",
    "buenas noches",
    "saludos",
    "hello",
    "hi",
    "hey",
    "good morning",
    "good afternoon",
    "good evening",
    "que tal",
    "buenos",
)
_THANKS = frozenset({"gracias", "thanks", "thank", "bendiciones", "agradezco", "agradecida", "agradecido"})
_YES_LEAD = frozenset({"si", "claro", "ok", "okay", "yes", "dale", "correcto", "exacto"})
_NO_LEAD = frozenset({"no", "nop", "nope", "nel"})


@dataclass(frozen=True, slots=True)
class CommandReading:
    command: Command | None
    case_code: str | None
    case_span: tuple[int, int] | None  # characters of the code in the cleaned text
    greeting: bool
    greeting_tokens: int  # how many leading tokens are the greeting
    thanks: bool
    answer: str | None  # 'yes' / 'no' when the message is, or starts with, a yes or a no
    whole: bool  # the command is the whole message (nothing else to read)


# Every way of opting out contains one of these (checked by tests/language/test_opt_out_filter.py
# against the phrase tables above and every utterance the language tests know).
_OPT_OUT_STEMS = ("baja", "stop", "alto", "cancel", "unsubscrib", "end", "quit", "parar", "detener", "basta",
                  "salir", "desuscrib", "mensaje", "aviso", "notificacion", "sms", "mand", "envi", "escrib", "dej")


def may_be_opt_out(text: str) -> bool:
    """A cheap first look (no parsing): False only for a text that cannot be an opt-out. The
    webhooks use it so that only a few messages pay for parse_message before the answer."""
    folded = fold_inline(text)
    return any(stem in folded for stem in _OPT_OUT_STEMS)


def _norm_code(prefix: str, suffix: str) -> str:
    return f"{prefix.upper()}-{suffix.upper()}"


def find_case_code(folded_text: str) -> tuple[str, tuple[int, int]] | None:
    m = _CODE_KEYWORD.search(folded_text)
    if m:
        suffix = m.group(2) or m.group(3)
        if m.group(2) is None or any(c.isdigit() for c in suffix) or "-" in m.group(0):
            return _norm_code(m.group(1), suffix), (m.start(1), m.end())
    m = _CODE_KEYWORD_LOOSE.search(folded_text)
    if m and m.group(1) not in _NOT_PREFIXES:
        return _norm_code(m.group(1), m.group(2)), (m.start(1), m.end())
    for m in _CODE_ALONE.finditer(folded_text):
        if any(c.isdigit() for c in m.group(2)):
            return _norm_code(m.group(1), m.group(2)), m.span()
    m = _CODE_WHOLE.match(folded_text)
    if m and any(c.isdigit() for c in m.group(2)) and len(m.group(1)) >= 3:
        return _norm_code(m.group(1), m.group(2)), (m.start(1), m.end(2))
    return None


def read_commands(tokens: list[Token], folded_text: str) -> CommandReading:
    """Commands, greeting, thanks and yes/no in a cleaned message (``folded_text`` from fold_inline)."""
    words = [t.folded for t in tokens]
    spaced = " ".join(words)

    greeting_tokens = 0
    for size in (2, 1):
        if tuple(words[:size]) in _GREETINGS:
            greeting_tokens = size
            break
    thanks = any(w in _THANKS for w in words) or says_thanks(folded_text)

    code = find_case_code(folded_text)
    case_code, case_span = code if code else (None, None)

    command: Command | None = None
    whole = False
    slash = _SLASH.match(folded_text)
    if slash:
        command = _SLASH_COMMANDS.get(slash.group(1))
        whole = command is not None and not (slash.group(2) or "").strip()
        if command is Command.CASE and case_code is None:
            rest = (slash.group(2) or "").strip()
            m = re.match(r"#?([a-z]{2,5})[\s\-_]*([a-z0-9]{3,6})\b", rest)
            if m:
                case_code = _norm_code(m.group(1), m.group(2))
                offset = slash.start(2)
                case_span = (offset + m.start(1), offset + m.end(2))
            whole = True

    # Courtesy around a command does not change it: "AYUDA, se lo suplico", "otra, Dios le pague".
    courtesy = courtesy_spans(folded_text)
    core = tuple(
        t.folded
        for t in tokens
        if t.folded not in _FILLER and not any(s <= t.start and t.end <= e for s, e in courtesy)
    )
    if command is None and core:
        for cmd, phrases in _WHOLE.items():
            if core in phrases:
                command, whole = cmd, True
                break
    if command is None and not core and folded_text.strip() in ("?", "??", "???", "¿?"):
        command, whole = Command.HELP, True
    if command is None:
        for cmd, pattern in _ANYWHERE:
            if pattern.search(spaced):
                command = cmd
                break
    if command is None and case_code is not None:
        command = Command.CASE
        whole = _CODE_WHOLE.match(folded_text) is not None or len(core) <= 3
    elif command is None and core in (("caso",), ("case",), ("mi", "caso"), ("estado", "caso")):
        command, whole = Command.CASE, True

    answer = None
    if command is Command.YES:
        answer = "yes"
    elif command is Command.NO:
        answer = "no"
    elif words:
        # "Sí, es mi hermano" / "No, se llama Luis": a leading yes/no followed by punctuation.
        first = tokens[0]
        rest = folded_text[first.end : first.end + 2].lstrip(" ")
        if rest[:1] in (",", ".", "!", ";", ":", "\n") and first.folded in _YES_LEAD | _NO_LEAD:
            answer = "yes" if first.folded in _YES_LEAD else "no"
    if "👍" in folded_text and command is None and not core:
        command, whole, answer = Command.YES, True, "yes"

    return CommandReading(
        command, case_code, case_span, greeting_tokens > 0, greeting_tokens, thanks, answer, whole
    )
