"""Emergencies first: words that mean someone may be in danger right now.

A health plan's assistant must send a medical emergency to 911, a suicidal crisis to 988 and
a poisoning to Poison Control before anything else, in every state of the store, even when
the store or the action server is down. So this is not left to the statistical classifier:
these patterns override it inside the NLU pipeline (:mod:`bot.nlu_components`), and the
answers are fixed domain responses that need no action server (``utter_<intent>``).

Recall matters more than precision here: a false alarm costs one extra sentence.
"""

from __future__ import annotations

import re
import unicodedata

#: Intent → patterns, checked in this order (self-harm before poisoning before emergency:
#: "I took all my pills to end it" needs 988 and 911, not only Poison Control).
_WHO = (
    r"(?:i|he|she|they|we|my\s+\w+|the\s+\w+|someone|somebody|baby|toddler|kid|child|son|daughter)"
)
_SUBSTANCE = (
    r"(?:bleach|detergent|laundry|dishwasher|pods?|cleaner|cleaning|chemicals?|antifreeze|"
    r"pills?|medicine|meds|tablets|batter(?:y|ies)|gasoline|lighter fluid|rat poison|"
    r"weed killer|pesticide|drano|lye|mushrooms?|berries|vitamins|tylenol|acetaminophen|"
    r"fentanyl|opioids?|oxy\w*|percocet|xanax|sleeping pills|antidepressants?|gummies|"
    r"mouthwash|nail polish remover|lamp oil|washer fluid|benadryl)"
)
PATTERNS: dict[str, list[str]] = {
    "self_harm": [
        r"\b(?:kill|hurt|harm|cut|cutting|burn|shoot|hang|drown|stab)(?:ing)?\s+"
        r"(?:my\s*self|myself|himself|herself|themselves)\b",
        r"\b(?:going|gonna|plan\w*|want)\s+to\s+(?:overdose|od)\b",
        r"\b(?:tired|sick)\s+of\s+(?:being\s+alive|living)\b",
        r"\bwant\s+(?:it\s+all|everything|my\s+life)\s+to\s+(?:be\s+over|end|stop)\b",
        r"\b(?:take|taking|swallow\w*)\s+all\s+(?:of\s+)?my\s+(?:pills|meds|medication)\b",
        r"\b(?:goodbye|suicide)\s+(?:letters?|notes?)\b|\blast\s+message\s+to\s+(?:anyone|everyone)\b",
        r"\bjump(?:ing)?\s+(?:off|from)\s+(?:the\s+|a\s+)?(?:bridge|roof|building|cliff)\b",
        r"\bedge\s+of\s+(?:the\s+)?(?:\w+\s+){0,2}(?:roof|bridge|building)\b",
        r"\bdisappear\s+forever\b|\b(?:never|not)\s+wake\s+up\b",
        r"\b(?:been|started|is|keeps?)\s+cutting\b(?!\s+(?:back|costs?|checks|coupons|corners))",
        r"\b(?:won'?t|wont|will\s+not)\s+be\s+(?:around|here|alive)\b",
        r"\b(?:don'?t|dont)\s+plan\s+on\s+being\s+(?:here|around|alive)\b|\bafter\s+i'?m\s+dead\b",
        r"\bdriv\w*\s+(?:my\s+car\s+)?into\s+(?:a\s+|the\s+)?(?:tree|wall|traffic|river|lake)\b",
        r"\b(?:saving|stockpiling|hoarding)\s+(?:up\s+)?(?:my\s+)?(?:pills|meds|oxy\w*|medication)\b",
        r"\bif\s+i\s+(?:was|were)\s+gone\b|\brather\s+be\s+dead\b",
        r"\bnoose\b|\brope\s+(?:is\s+)?ready\b",
        r"\bkms\b|\bslit\w*\s+(?:my|his|her)\s+wrists?\b",
        r"\bpain\s+to\s+stop\s+(?:permanently|forever)\b",
        r"\bgave\s+away\s+(?:all\s+)?my\s+(?:stuff|things|belongings)\b",
        r"\bgo\s+through\s+with\s+it\b",
        r"\bwalk\w*\s+into\s+the\s+(?:lake|river|ocean|sea|water)\b",
        r"\bend\s+(?:things|everything)\b",
        r"\bgarage\s+with\s+the\s+(?:car|engine)\s+running\b",
        r"\bsuicid\w*",
        r"\b(?:end|ending|take|taking)\s+(?:my|his|her)\s+(?:own\s+)?life\b",
        r"\bend(?:ing)?\s+it\s*(?:all)?\b(?!\s+(?:plan|policy|coverage|membership))",
        r"\b(?:wants?|wanted|wnat|wanna|going|ready)\s+(?:to\s+)?die\b",
        r"\b(?:don'?t|do not)\s+want\s+to\s+(?:live|be alive|be here|wake up|exist)\b",
        r"\bno\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going on)\b",
        r"\b(?:can'?t|cannot)\s+(?:go on|do this anymore|take it anymore|keep going)\b",
        r"\bself[\s-]?harm\w*",
        r"\bbetter\s+off\s+(?:dead|gone|without me)\b",
        r"\b(?:not|isn'?t|isnt|ain'?t)\s+worth\s+living\b",
        r"\bgive\s+up\s+on\s+(?:life|living)\b",
    ],
    "poisoning": [
        r"\bpoison(?:ed|ing)?\b(?!\s+(?:ivy|oak|sumac))",
        r"\bover[\s-]?dos\w*",
        rf"\b(?:swallowed|drank|drunk|ate|eaten|ingested|chewed|got into|licked)\s+"
        rf"(?:some\s+|a\s+|an\s+|the\s+|my\s+|her\s+|his\s+|all\s+)?(?:\w+\s+){{0,2}}{_SUBSTANCE}",
        r"\b(?:took|taken|take|gave|given)\s+(?:him\s+|her\s+|them\s+)?(?:too\s+many|too\s+much|"
        r"a\s+bunch\s+of|all\s+(?:of\s+)?(?:my|her|his|the)|(?:a\s+)?double)"
        r"\s+(?:\w+\s+){0,2}(?:pills|meds|medication|medicine|tablets|doses?|insulin)\b",
        r"\bdouble\s+dose\b|\bextra\s+dose\b|\bdoubled\s+up\b",
        r"\b(?:took|taken|gave|given)\s+(?:\w+\s+){0,4}(?:twice|two\s+times)\b",
        r"\b(?:took|taken|gave|given|swallowed)\b[^.]{0,60}\b(?:by\s+mistake|by\s+accident)\b",
        r"\baccidentally\s+(?:took|gave|swallowed|drank|ate)\b",
        r"\binstead\s+of\s+(?:mine|his|hers|his\s+own|her\s+own)\b",
        r"\b(?:whole\s+bunch|way\s+too\s+many|too\s+many)\s+(?:of\s+)?(?:\w+\s+){0,2}"
        r"(?:benadryl|xanax|tylenol|advil|pills|meds|gummies|tablets)\b",
        r"\b[1-9]\d\s+(?:tylenol|advil|ibuprofen|aspirin|pills|tablets)\b",
        r"\bmix\w*\s+(?:my\s+)?(?:\w+\s+){0,2}(?:with|and)\s+(?:alcohol|wine|beer|cough\s+syrup|"
        r"ammonia|bleach)\b|\bmix\w*\s+bleach\b",
        r"\bcarbon\s+monoxide\b|\bgenerator\s+(?:\w+\s+){0,3}(?:basement|garage|inside|indoors)\b",
        r"\bpill\s+organizer\s+at\s+once\b",
        r"\bwrong\s+(?:pills?|medicine|medication|meds)\b",
    ],
    "emergency": [
        r"\bchest\s+(?:pains?|pressure|tightness|hurts?)\b",
        r"(?<!gave me a )(?<!give me a )\bheart\s+attack\b",
        r"\bhit\s+(?:his|her|my|their)\s+head\b|\btalking\s+gibberish\b",
        r"\b(?:left\s+)?arm\s+(?:is\s+|went\s+)?numb\b|\bpain\s+(?:\w+\s+){0,3}(?:jaw|left\s+arm)\b",
        r"\b(?:can'?t|cannot)\s+walk\s+straight\b|\bgasping\b|\bfoaming\s+at\s+the\s+mouth\b",
        r"\b(?:got|been|was)\s+(?:stabbed|shot)\b|\bbleeding\s+everywhere\b",
        r"\b(?:he|she|they)\s+(?:isn'?t|is\s+not|isnt)\s+moving\b",
        r"\bcan'?t\s+feel\s+(?:my|his|her)\s+legs\b|\bnot\s+responding\s+to\s+(?:me|us)\b",
        r"\bvomit\w*\s+(?:\w+\s+){0,3}blood\b",
        r"\b(?:having|had|is having)\s+a\s+stroke\b|\bstroke\s+symptoms\b",
        r"\b(?:can'?t|cannot|can not|trouble|hard to|difficulty|struggling to|unable to)\s+"
        r"(?:catch\s+(?:my|his|her)\s+)?breath\w*",
        r"\bshort(?:ness)?\s+of\s+breath\b",
        r"\b(?:not|isn'?t|stopped)\s+breathing\b",
        r"\bturning\s+blue\b|\blips\s+(?:are\s+)?(?:blue|turning)\b",
        r"\bchoking\b",
        r"\b(?:unconscious|unresponsive|passed\s+out|fainted|collapsed|won'?t\s+wake\s+up)\b",
        r"\b(?:bleeding\s+(?:a\s+lot|heavily|badly|won'?t\s+stop)|severe\s+bleeding|"
        r"won'?t\s+stop\s+bleeding|lots\s+of\s+blood)\b",
        r"\b(?:having|had|is having)\s+(?:a\s+)?seizures?\b|\bseizing\b",
        r"\banaphyla\w*|\ballergic\s+reaction\b",
        r"\b(?:throat|tongue|lips?|face)\s+(?:is\s+|are\s+)?(?:closing|swelling|swollen)\b",
        r"\bface\s+(?:is\s+)?drooping\b|\bslurr(?:ed|ing)\s+(?:speech|words)\b",
        r"\bnumb(?:ness)?\s+on\s+one\s+side\b",
        r"\bmedical\s+emergency\b",
        r"\bcall(?:ing)?\s+(?:an\s+)?ambulance\b|\bcall\s+911\b",
        r"\b(?:worst|severe|sudden)\s+headache\b",
        r"\bcoughing\s+(?:up\s+)?blood\b|\bvomiting\s+blood\b",
    ],
}

#: The same in Spanish, matched against the message without accents (people type
#: "corazon" as often as "corazón"), lower case.
_ALGUIEN = r"(?:me|se|le|te|nos|les)"
_SUSTANCIA = (
    r"(?:cloro|blanqueador|lejia|detergente|jabon|capsulas?\s+de\s+(?:detergente|lavar)|"
    r"pastillas|pildoras|medicinas?|medicamentos?|tabletas|pilas|baterias|gasolina|"
    r"veneno|raticida|insecticida|matarratas|tylenol|acetaminofen|paracetamol|ibuprofeno|"
    r"fentanilo|opioides?|xanax|clonazepam|pastillas\s+para\s+dormir|antidepresivos?|"
    r"vitaminas|gomitas|enjuague|quitaesmalte|acetona|anticongelante|hongos|limpiador\w*|"
    r"jarabe|liquido\s+(?:para|de)\s+limpiar|removedor\w*|pilas?\s+de\s+boton|"
    r"veneno\s+de\s+ratas|(?:las|unas)\s+de\s+dormir|botella\s+(?:\w+\s+){0,3}jarabe|"
    r"productos?\s+de\s+limpieza|quimicos?|insulina|pinol|fabuloso|clorox)"
)
PATTERNS_ES: dict[str, list[str]] = {
    "self_harm": [
        r"\bsuicid\w*",
        r"\b(?:quitarme|quitarse|quitarle\s+fin\s+a)\s+la\s+vida\b",
        r"\b(?:matarme|me\s+voy\s+a\s+matar|quiero\s+matarme|pienso\s+en\s+matarme)\b",
        r"\b(?:me\s+)?quiero\s+morir(?:me)?\b|\bquisiera\s+(?:morirme|estar\s+muert[oa])\b",
        r"\b(?:ya\s+)?no\s+quiero\s+(?:vivir|seguir(?:\s+viviendo|\s+aqui)?|despertar|existir)\b",
        r"\bhacerme\s+(?:dano|danio)\b|\bcortarme\b|\bahorcarme\b",
        r"\btomarme\s+(?:todas?\s+)?(?:mis|las)\s+(?:pastillas|pildoras|medicinas)\b",
        r"\bacabar\s+con\s+(?:todo|mi\s+vida)\b|\bterminar\s+con\s+(?:todo|mi\s+vida)\b",
        r"\b(?:estarian|estaria|estarán|vivirian)\s+mejor\s+sin\s+mi\b",
        r"\bno\s+vale\s+la\s+pena\s+(?:vivir|seguir)\b|\bno\s+tiene\s+sentido\s+vivir\b",
        r"\bya\s+no\s+(?:aguanto|puedo)\s+(?:mas|vivir|seguir)\b",
        r"\bdesaparecer\s+para\s+siempre\b|\bdormirme\s+y\s+no\s+despertar\b",
        r"\b(?:tirarme|aventarme|lanzarme)\s+(?:de|del|desde|por|al|a\s+las?)\b",
        r"\bnadie\s+me\s+(?:va\s+a\s+)?extra\w*\s+si\s+me\s+muero\b",
        r"\bcarta\s+de\s+despedida\b|\bpensamientos\s+de\s+(?:muerte|morir)\b",
        r"\b(?:guardando|juntando)\s+(?:mis\s+)?(?:pastillas|pildoras)\b",
        r"\bse\s+quiere\s+(?:morir|matar)\b|\bquiere\s+(?:morirse|matarse)\b",
        r"\b(?:me|se)\s+(?:esta|estaba|estoy)\s+cortando\b|\bno\s+despertar\b",
        r"\bpegar(?:me|se)\s+un\s+tiro\b|\bse\s+va\s+a\s+(?:matar|quitar\s+la\s+vida|pegar\s+un\s+tiro)\b",
        r"\b(?:irme|irse|me\s+voy|me\s+quiero\s+ir)\s+de\s+este\s+mundo\b|\birme\s+para\s+siempre\b",
        r"\bno\s+(?:tengo|hay)\s+(?:\w+\s+)?razon\w*\s+(?:pa|para)\s+(?:vivir|seguir)\b",
        r"\bcartas?\s+de\s+despedida\b|\bcansad[oa]\s+de\s+vivir\b",
        r"\bno\s+quiero\s+estar\s+aqui\b|\bno\s+voy\s+a\s+estar\s+aqui\b",
        r"\b(?:pistola|arma)\b[^.]{0,40}\b(?:usarla|conmigo)\b",
        r"\b(?:quiero\s+lastimarme|me\s+quiero\s+lastimar|lastimarme)\b",
        r"\bestrellar\s+el\s+(?:carro|coche|auto)\b|\bsoy\s+una\s+carga\b",
        r"\bregale\s+(?:todas\s+)?mis\s+cosas\b",
    ],
    "poisoning": [
        r"\benvenen\w*|\bintoxic\w*|\bsobredosis\b|\bcontrol\s+de\s+envenenamiento",
        rf"\b{_ALGUIEN}?\s*(?:tomo|trago|bebio|comio|tomaron|tragaron|mordio|chupo|lamio|metio\s+a\s+la\s+boca)"
        rf"\s+(?:\w+\s+){{0,4}}{_SUSTANCIA}",
        r"\b(?:tomo|tome|tomaron|le\s+di|le\s+dimos|se\s+tomo|me\s+tome)\s+(?:\w+\s+){0,2}"
        r"(?:demasiad[oa]s?|muchas|todas\s+las|el\s+doble|doble|un\s+frasco|una\s+caja)\b",
        r"\bdoble\s+dosis\b|\bdosis\s+doble\b",
        r"\bpor\s+(?:error|equivocacion|accidente)\b[^.]{0,60}\b(?:pastillas|medicina\w*|"
        r"medicamento\w*|dosis|insulina|tabletas)\b",
        r"\b(?:pastillas|medicina\w*|medicamento\w*|dosis|insulina)\b[^.]{0,60}\bpor\s+"
        r"(?:error|equivocacion|accidente)\b",
        r"\bmonoxido\s+de\s+carbono\b",
        r"\bmezcl\w*\s+(?:\w+\s+){0,3}(?:cloro|amoniaco|alcohol)\b",
        r"\bse\s+(?:lo|la|los|las)\s+meti\w*\s+(?:a|en)\s+la\s+boca\b",
        r"\bconfundi\w*\s+(?:\w+\s+){0,2}(?:pastillas|medicinas?|medicamentos?)\b",
    ],
    "emergency": [
        r"\bdolor\s+(?:\w+\s+){0,2}(?:de|en\s+el)\s+pecho\b|\b(?:me|le)\s+duele\s+(?:\w+\s+)?el\s+pecho\b",
        r"\bpresion\s+en\s+el\s+pecho\b|\bopresion\s+en\s+el\s+pecho\b",
        r"(?<!dio un )\b(?:infarto|ataque\s+(?:al\s+corazon|cardiaco))\b",
        r"\bno\s+(?:puedo|puede|podia|pueden)\s+respirar\b|\b(?:le|me)\s+cuesta\s+respirar\b",
        r"\bdificultad\s+para\s+respirar\b|\bfalta\s+de\s+aire\b|\bse\s+(?:esta\s+)?ahog\w*",
        r"\bno\s+respira\b|\bdejo\s+de\s+respirar\b|\bse\s+(?:esta\s+)?poniendo\s+(?:morad|azul)\w*",
        r"\blabios\s+(?:morados|azules)\b",
        r"\bse\s+desmay\w*|\binconsciente\b|\bno\s+(?:reacciona|despierta)\b",
        r"(?<!seguro )(?<!sistema )(?<!telefono )(?<!nadie )(?<!linea )(?<!plan )(?<!portal )"
        r"(?<!pagina )(?<!farmacia )(?<!oficina )\bno\s+responde\b",
        r"\bataque\s+de\s+asma\b|\bme\s+falta\s+el\s+aire\b",
        r"\b(?:entumi\w*|paraliz\w*|dormid[oa])\s+(?:\w+\s+){0,2}mitad\s+del\s+cuerpo\b",
        r"\bse\s+le\s+paraliz\w*|\barrastra\s+las\s+palabras\b|\bno\s+puede\s+levantar\s+el\s+brazo\b",
        r"\bsangrando\s+de\s+la\s+cabeza\b",
        r"\bconvulsi\w*|\bataque\s+epilep\w*",
        r"\bderrame\s+cerebral\b|\bembolia\b|\bsintomas\s+de\s+(?:derrame|embolia)\b",
        r"\bse\s+le\s+(?:cayo|cae|durmio|torcio)\s+(?:la\s+cara|un\s+lado|la\s+boca)\b",
        r"\bcara\s+(?:caida|torcida)\b|\bno\s+puede\s+hablar\s+bien\b|\bhabla\s+arrastrado\b",
        r"\b(?:sangra|sangrando)\s+(?:mucho|sin\s+parar)\b|\bmucha\s+sangre\b|"
        r"\bno\s+(?:para|deja)\s+de\s+sangrar\b|\bhemorragia\b",
        r"\breaccion\s+alergica\b|\banafila\w*",
        r"\bse\s+(?:me|le)\s+(?:cierra|esta\s+cerrando|hincha|esta\s+hinchando)\s+la\s+(?:garganta|lengua)\b",
        r"\bemergencia\s+medica\b|\bllam\w*\s+(?:a\s+)?(?:una\s+)?ambulancia\b",
        r"\b(?:vomitando|vomita|tosiendo|tose)\s+sangre\b",
        r"\bdolor\s+de\s+cabeza\s+(?:terrible|horrible|muy\s+fuerte|insoportable|repentino)\b",
        r"\b(?:lo|la|me)\s+(?:apunalaron|dispararon|balearon)\b|\bherida\s+de\s+bala\b",
        r"\bse\s+(?:cayo|golpeo)\s+(?:\w+\s+){0,3}la\s+cabeza\b",
        r"\bno\s+siento\s+(?:las\s+piernas|el\s+brazo|un\s+lado)\b|\bbrazo\s+(?:izquierdo\s+)?dormido\b",
    ],
}

#: A message about paying for past care ("my claim for the heart attack in September") is
#: not an emergency now: it gets its own answer, with the emergency line put first.
BENEFITS_CONTEXT = re.compile(
    r"\b(?:claims?|bills?|billed|billing|eob|explanation of benefits|covered|coverage|cover|"
    r"copays?|deductible|reimburs\w*|paid|pay for|prior auth\w*|auth|pre-?cert\w*|follow[\s-]?up|"
    r"last\s+(?:year|month|week)|ago|rehab\s+facility|history\s+of)\b",
    re.IGNORECASE,
)
BENEFITS_CONTEXT_ES = re.compile(
    r"\b(?:reclamacion\w*|reclamo\w*|factura\w*|cobr\w*|cubr\w*|cobertura|copago\w*|"
    r"deducible|reembols\w*|pag(?:o|ar|aron|ue)\s+(?:por|de)|autorizacion|el\s+ano\s+pasado|"
    r"el\s+mes\s+pasado|la\s+semana\s+pasada|hace\s+(?:\w+\s+)?(?:dias|semanas|meses|anos)|"
    r"seguimiento|rehabilitacion)\b"
)

_COMPILED = {intent: [re.compile(p, re.I) for p in pats] for intent, pats in PATTERNS.items()}
_COMPILED_ES = {intent: [re.compile(p) for p in pats] for intent, pats in PATTERNS_ES.items()}
INTENTS = tuple(PATTERNS)


def classify(text: str) -> str | None:
    """The safety intent a message calls for, or None."""
    text = (text or "").replace("’", "'")
    folded = fold(text)
    for intent, patterns in _COMPILED.items():
        if any(p.search(text) for p in patterns):
            return intent
        if any(p.search(folded) for p in _COMPILED_ES[intent]):
            return intent
    return None


def fold(text: str) -> str:
    """Lower case without accents: 'Corazón' → 'corazon' (ñ → n as well)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def about_past_care(text: str) -> bool:
    """Whether the words are about paying for care rather than needing help right now."""
    text = text or ""
    return bool(BENEFITS_CONTEXT.search(text) or BENEFITS_CONTEXT_ES.search(fold(text)))
