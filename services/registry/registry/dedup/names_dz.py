"""Algerian given and family names in Arabic with their usual French-style transliterations.

Data for the synthetic generator and the tests. Lists are ordered roughly by how common
the name is; the generator draws with Zipf-like weights from that order. The first Latin
spelling is the most usual one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Name:
    """One name: its Arabic spelling and the Latin spellings field agents use for it."""

    arabic: str
    latin: tuple[str, ...]
    sex: str | None = None  # for given names


def given(arabic: str, sex: str, *latin: str) -> Name:
    return Name(arabic, latin, sex)


def family(arabic: str, *latin: str) -> Name:
    return Name(arabic, latin)


GIVEN_NAMES: tuple[Name, ...] = (
    given("محمد", "M", "Mohamed", "Mohammed", "Mhamed", "Muhammad"),
    given("فاطمة", "F", "Fatima", "Fatma", "Fadma"),
    given("أحمد", "M", "Ahmed", "Ahmad", "Hmed"),
    given("خديجة", "F", "Khadidja", "Khadija", "Kadidja"),
    given("علي", "M", "Ali", "Aly"),
    given("عائشة", "F", "Aicha", "Aïcha", "Aisha"),
    given("عبد القادر", "M", "Abdelkader", "Abd El Kader", "Abdelkadir"),
    given("مريم", "F", "Meriem", "Maryam", "Meryem"),
    given("يوسف", "M", "Youcef", "Youssef", "Yousef"),
    given("أمينة", "F", "Amina", "Emina"),
    given("عمر", "M", "Omar", "Omer"),
    given("زهرة", "F", "Zohra", "Zahra", "Zohera"),
    given("مصطفى", "M", "Mustapha", "Mostefa", "Moustafa", "Mustafa"),
    given("نادية", "F", "Nadia", "Nadiya"),
    given("إبراهيم", "M", "Brahim", "Ibrahim", "Ibrahem"),
    given("سعاد", "F", "Souad", "Suad", "Soad"),
    given("عبد الله", "M", "Abdellah", "Abdallah", "Abdullah"),
    given("حورية", "F", "Houria", "Hourya", "Huria"),
    given("خالد", "M", "Khaled", "Khalid"),
    given("ليلى", "F", "Leila", "Layla", "Leïla"),
    given("كريم", "M", "Karim", "Kerim"),
    given("نور الهدى", "F", "Nour El Houda", "Nourelhouda", "Nour Elhouda"),
    given("سعيد", "M", "Said", "Saïd", "Saiid"),
    given("سمية", "F", "Soumia", "Soumaya", "Sumaya"),
    given("رشيد", "M", "Rachid", "Rashid", "Rachide"),
    given("ياسمين", "F", "Yasmine", "Yasmina"),
    given("جمال", "M", "Djamel", "Jamel", "Djamal"),
    given("صبرينة", "F", "Sabrina", "Sabrine"),
    given("نور الدين", "M", "Noureddine", "Nour Eddine", "Nourredine"),
    given("حليمة", "F", "Halima", "Halimah"),
    given("سمير", "M", "Samir", "Semir"),
    given("وهيبة", "F", "Ouahiba", "Wahiba"),
    given("حسين", "M", "Hocine", "Houcine", "Hussein"),
    given("رقية", "F", "Rokia", "Roqia", "Rukia"),
    given("حسن", "M", "Hassan", "Hacene", "Hassen"),
    given("كنزة", "F", "Kenza", "Kinza"),
    given("ياسين", "M", "Yacine", "Yassine", "Yasin"),
    given("إيمان", "F", "Imane", "Iman", "Imene"),
    given("عبد الرحمن", "M", "Abderrahmane", "Abderahmane", "Abdel Rahmane"),
    given("جميلة", "F", "Djamila", "Jamila", "Djemila"),
    given("بلقاسم", "M", "Belkacem", "Belgacem", "Belkassem"),
    given("سارة", "F", "Sara", "Sarah"),
    given("العربي", "M", "Larbi", "El Arbi", "Elarbi"),
    given("لويزة", "F", "Louiza", "Luiza", "Louisa"),
    given("الطيب", "M", "Tayeb", "Taieb", "Et-Tayeb"),
    given("دليلة", "F", "Dalila", "Delila"),
    given("مراد", "M", "Mourad", "Murad", "Morad"),
    given("نعيمة", "F", "Naima", "Naïma", "Naeema"),
    given("فريد", "M", "Farid", "Fareed"),
    given("مليكة", "F", "Malika", "Melika"),
    given("عادل", "M", "Adel", "Adil"),
    given("زينب", "F", "Zineb", "Zeinab", "Zaynab"),
    given("سليم", "M", "Salim", "Slim", "Selim"),
    given("حياة", "F", "Hayat", "Hayet"),
    given("نبيل", "M", "Nabil", "Nabile"),
    given("فتيحة", "F", "Fatiha", "Fetiha"),
    given("بلال", "M", "Bilal", "Belal"),
    given("يمينة", "F", "Yamina", "Yemina"),
    given("أمين", "M", "Amine", "Amin"),
    given("رضا", "M", "Redha", "Rida", "Reda"),
    given("عثمان", "M", "Othmane", "Athmane", "Osmane"),
    given("الأخضر", "M", "Lakhdar", "Lakhder", "El Akhdar"),
    given("عيسى", "M", "Aissa", "Issa"),
    given("موسى", "M", "Moussa", "Mousa", "Musa"),
    given("زكرياء", "M", "Zakaria", "Zakariya", "Zakarya"),
    given("إسماعيل", "M", "Ismail", "Smail", "Ismaïl"),
    given("وليد", "M", "Walid", "Oualid", "Ouelid"),
    given("حمزة", "M", "Hamza", "Hamzah"),
    given("جلول", "M", "Djelloul", "Djeloul", "Jelloul"),
    given("محمود", "M", "Mahmoud", "Mahmud", "Mahmood"),
)

FAMILY_NAMES: tuple[Name, ...] = (
    family("بن علي", "Benali", "Ben Ali", "Ben-Ali"),
    family("بوزيد", "Bouzid", "Bouzide"),
    family("سعيدي", "Saidi", "Saïdi", "Saidy"),
    family("براهيمي", "Brahimi", "Brahimy"),
    family("بلقاسمي", "Belkacemi", "Belgacemi"),
    family("حداد", "Haddad", "Hadad", "Hedad"),
    family("مزيان", "Meziane", "Mezian", "Mezyane"),
    family("بوعزيز", "Bouaziz", "Bou Aziz", "Bouazize"),
    family("شريف", "Cherif", "Chérif", "Sharif"),
    family("منصوري", "Mansouri", "Mansoury", "Mansuri"),
    family("بن عمر", "Benomar", "Ben Omar", "Benamor"),
    family("بن يوسف", "Benyoucef", "Ben Youcef", "Benyoussef"),
    family("قاسمي", "Kacemi", "Gacemi", "Kassemi"),
    family("عمراني", "Amrani", "Omrani", "Amerani"),
    family("بوشامة", "Bouchama", "Bouchamma"),
    family("زروقي", "Zerrouki", "Zerouki", "Zarrouki"),
    family("بلعيد", "Belaid", "Belaïd", "Bel Aid"),
    family("رحماني", "Rahmani", "Rahmany"),
    family("عبدلي", "Abdelli", "Abdeli", "Abdelly"),
    family("مرابط", "Merabet", "Mrabet", "Merabat"),
    family("بوقرة", "Bougara", "Bouguerra", "Boukara"),
    family("حمادي", "Hamadi", "Hammadi", "Hamady"),
    family("دحماني", "Dahmani", "Dehmani"),
    family("خليفي", "Khelifi", "Khalifi", "Klifi"),
    family("جبار", "Djebbar", "Jabbar", "Djabbar"),
    family("ولد علي", "Ould Ali", "Ouldali", "Ould-Ali"),
    family("بن بلة", "Benbella", "Ben Bella", "Benbela"),
    family("تومي", "Toumi", "Tumi", "Toumy"),
    family("شعبان", "Chaabane", "Chabane", "Shaaban"),
    family("غربي", "Gharbi", "Ghorbi", "Gherbi"),
    family("بوخالفة", "Boukhalfa", "Bou Khalfa", "Boukhelfa"),
    family("مسعودي", "Messaoudi", "Massaoudi", "Mesaoudi"),
    family("بن شيخ", "Bencheikh", "Ben Cheikh", "Benchikh"),
    family("عيساوي", "Aissaoui", "Aïssaoui", "Issaoui"),
    family("يحياوي", "Yahiaoui", "Yahyaoui"),
    family("بوضياف", "Boudiaf", "Boudhiaf", "Boudiafe"),
    family("بن عيسى", "Benaissa", "Ben Aissa", "Benaïssa"),
    family("قادري", "Kadri", "Gadri", "Qadri"),
    family("صالحي", "Salhi", "Salhy", "Salehi"),
    family("نعيمي", "Naimi", "Naïmi", "Neimi"),
    family("عطية", "Attia", "Atia", "Atiya"),
    family("بلحاج", "Belhadj", "Bel Hadj", "Belhaj"),
    family("حجاج", "Hadjadj", "Hadjaj", "Hajjaj"),
    family("زيتوني", "Zitouni", "Zeitouni", "Zitoni"),
    family("طالبي", "Talbi", "Talebi"),
    family("بوعبد الله", "Bouabdallah", "Bou Abdellah", "Bouabdellah"),
    family("عبد اللاوي", "Abdellaoui", "Abdelaoui", "Abdallaoui"),
    family("مختاري", "Mokhtari", "Mekhtari", "Moukhtari"),
    family("شيباني", "Chibani", "Chaibani", "Shibani"),
    family("كحلوش", "Kahlouche", "Kehlouche"),
    family("سلطاني", "Soltani", "Sultani", "Seltani"),
    family("بن سالم", "Bensalem", "Ben Salem", "Bensalam"),
    family("فرحات", "Ferhat", "Farhat", "Ferhet"),
    family("لونيسي", "Lounici", "Lounissi", "Lounisi"),
    family("عمارة", "Amara", "Ammara", "Amarah"),
    family("هاشمي", "Hachemi", "Hashemi", "Hachimi"),
    family("دراجي", "Derradji", "Deradji", "Draji"),
    family("بن زيان", "Benziane", "Ben Ziane", "Benzian"),
    family("قويدر", "Kouider", "Gouider", "Kouidar"),
    family("بوطالب", "Boutaleb", "Bou Taleb", "Boutalbe"),
    family("مداني", "Medani", "Madani", "Meddani"),
    family("جلاب", "Djellab", "Jallab", "Djelab"),
    family("غزال", "Ghezal", "Ghazal", "Ghazel"),
)
