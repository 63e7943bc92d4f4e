"""Words the FICTIONAL roster and inquiries are made of: name pools, the nicknames SPEC section 4
lists, the countries of the model case with their demonyms, relationship words, greetings and
blessings. All names are common Spanish-language names combined at random: no real person."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MALE_GIVEN = (
    "Luis", "Juan", "Carlos", "Pedro", "Miguel", "Ángel", "Óscar", "Héctor", "Wilmer", "Byron", "Edwin",
    "Selvin", "Kevin", "Brayan", "Jairo", "Marvin", "Elmer", "Rigoberto", "Santiago", "Rolando", "Hugo",
    "Darwin", "Alexander", "Nelson", "Fredy", "Danilo", "Efraín", "Gerson", "Walter", "Erick", "Cristian",
    "Josué", "Baltazar", "Rubén", "Abel", "Mauricio", "Gilberto", "Ovidio", "Anselmo", "Teodoro",
)
# Given names with the common nickname SPEC section 4 lists (the nickname is how relatives write them).
NICKNAMES = {
    "José": "Pepe", "Jesús": "Chuy", "Guadalupe": "Lupe", "Francisco": "Paco", "Guillermo": "Memo",
    "Ignacio": "Nacho", "Eduardo": "Lalo",
}
# Other-gender twins: the same surnames and birth date, names one letter apart (SPEC 5: "Mario is not María").
TWIN_NAMES = (
    ("Mario", "María"), ("Daniel", "Daniela"), ("Julio", "Julia"), ("Antonio", "Antonia"),
    ("Emilio", "Emilia"), ("Fernando", "Fernanda"), ("Gabriel", "Gabriela"), ("Marcelo", "Marcela"),
    ("Aurelio", "Aurelia"), ("Alejandro", "Alejandra"),
)
FEMALE_GIVEN = (
    "Rosa", "Carmen", "Marta", "Lucía", "Elena", "Juana", "Sandra", "Olga", "Reina", "Dilia", "Brenda",
    "Yesenia", "Floridalma", "Imelda", "Sonia",
)
# Only names never used on the roster: for the relatives' own names and for wrong first attempts.
RELATIVE_GIVEN = ("Ester", "Herminia", "Zoila", "Alba", "Delmy", "Irma", "Nidia", "Odilia", "Petrona", "Telma")
WRONG_GIVEN = ("Ramiro", "Isidro", "Eliseo", "Cornelio", "Fabián", "Leonel", "Nicanor", "Obdulio")

SURNAMES = (
    "Hernández", "García", "López", "Pérez", "Ramírez", "González", "Rodríguez", "Sánchez", "Moreno",
    "Cifuentes", "Barrios", "Ixcoy", "Tzul", "Ajú", "Coc", "Cux", "Quintanilla", "Mejía", "Orellana",
    "Zelaya", "Reyes", "Castillo", "Chávez", "Velásquez", "Ortiz", "Morales", "Juárez", "Flores", "Díaz",
    "Cruz", "Guerra", "Pineda", "Lemus", "Alvarado", "Escobar", "Fuentes", "Bonilla", "Villatoro", "Tobar",
    "Chicas", "Ventura", "Argueta", "Portillo", "Carranza", "Mendoza", "Salazar", "Quispe", "Cárdenas",
    "Benítez", "Urbina", "Cabrera", "Ochoa", "Aguilar", "Estrada", "Paz", "Sosa", "Rivas", "Galindo",
)


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    male: str  # demonym for a man ("guatemalteco")
    female: str
    colloquial: str | None  # "chapín", "catracho", "guanaco" (SPEC 4); used for men only
    capital: str


COUNTRIES = {
    "GT": Country("GT", "Guatemala", "guatemalteco", "guatemalteca", "chapín", "Ciudad de Guatemala"),
    "HN": Country("HN", "Honduras", "hondureño", "hondureña", "catracho", "Tegucigalpa"),
    "SV": Country("SV", "El Salvador", "salvadoreño", "salvadoreña", "guanaco", "San Salvador"),
    "VE": Country("VE", "Venezuela", "venezolano", "venezolana", None, "Caracas"),
    "CO": Country("CO", "Colombia", "colombiano", "colombiana", None, "Bogotá"),
    "EC": Country("EC", "Ecuador", "ecuatoriano", "ecuatoriana", None, "Quito"),
    "MX": Country("MX", "México", "mexicano", "mexicana", None, "Ciudad de México"),
}
# Weights of the model case: most from Guatemala (SPEC 1).
NATIONALITY_WEIGHTS = {"GT": 40, "HN": 16, "SV": 10, "VE": 12, "CO": 7, "EC": 7, "MX": 8}
# Countries a story passes through on the way north (never the person's nationality).
TRANSIT = ("México", "Guatemala", "Chiapas", "Tapachula", "Monterrey", "Chihuahua")

RELATIONS_MALE = ("hijo", "esposo", "hermano", "primo", "sobrino", "papá", "cuñado", "nieto")
RELATIONS_FEMALE = ("hija", "esposa", "hermana", "prima", "sobrina", "mamá", "cuñada", "nieta")

GREETINGS = ("Buenas tardes", "Buenos días", "Buenas noches", "Hola", "Hola buenas", "Saludos", "Disculpe la molestia")
BLESSINGS = (
    "Dios les pague", "se lo suplico", "Dios los bendiga", "por favor ayúdenme", "gracias de antemano",
    "que Dios me lo cuide", "por el amor de Dios", "se lo ruego", "Dios le bendiga", "estoy desesperada",
)

UNITS = ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once", "doce",
         "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte", "veintiuno",
         "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete", "veintiocho",
         "veintinueve")
TENS = {30: "treinta", 40: "cuarenta", 50: "cincuenta", 60: "sesenta", 70: "setenta", 80: "ochenta", 90: "noventa"}
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre")


def number_words(n: int) -> str:
    """A whole number below 100 in Spanish words, as relatives write ages ("treinta y dos")."""
    if not 0 <= n < 100:
        raise ValueError(n)
    if n < 30:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    return TENS[tens * 10] + (f" y {UNITS[unit]}" if unit else "")


def fold(text: str) -> str:
    """Lower case without accents (ñ kept apart from n only by its tilde: folded too)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
