"""Generated listing titles for the sense model's training and development data (issue 16).

Every row is a whole listing title that mentions a word of an Olympic mark, labelled with the
sense the listing uses: ``olympic`` (the Olympic property, written plainly or with an evasion)
or ``other`` (a look-alike sense: a lifting bar, a street, a camera maker, a maths contest...).

The titles come from *items* (a noun phrase around the mark word, per kind and language, the
mark word in square brackets) dropped into *frames* (a title's shape per language: word order,
seller words, sizes, a "title | description" form). A template is one frame of one language; the
template id is ``<lang>-<frame number>``. ``build.py`` sends whole templates (and whole item
lists' held-out tails) to the development split, so dev titles are shapes the training rows never
use. This generator is written apart from the evaluation generator in ``tests/`` and shares no
strings with it; nothing here is read at run time by ringfence.

Deterministic: the same seed gives the same rows, in the same order, on every machine.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

SEED = 16
ROWS_PER_KIND_LANG = 48  # titles drawn per (kind, language) pair with items
DEV_FRAME_EVERY = 4  # frame numbers n with n % DEV_FRAME_EVERY == DEV_FRAME_EVERY - 1 go to dev
MERCH_ROWS_PER_ITEM = 4  # titles per merchandise item (mark form + head noun)
LOOKALIKE_MERCH_ROWS_PER_ITEM = 3  # titles per look-alike form on a merchandise head
EVASION_SHARE = 0.6  # share of Olympic titles written with an evasion
DEV_ITEM_EVERY = 3  # item n of a list with >= 3 items is held out when n % 3 == 2


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    mark: str
    label: str
    lang: str
    kind: str
    template: str  # "<lang>-<frame>"
    item_split: str  # "train" or "dev": whether the item is one of its list's held-out ones


# --- items: (mark, kind) -> lang -> phrases; [brackets] hold the mark word

OTHER: dict[tuple[str, str], dict[str, list[str]]] = {
    ("word-olympic", "lifting"): {
        "en": [
            "[Olympic] Barbell 7ft 20kg",
            "[Olympic] Weight Plates 2 inch",
            "Cast Iron [Olympic] Plate Set",
            "[Olympic] Hex Trap Bar",
            "[Olympic] EZ Curl Bar",
            "Spring Collars for [Olympic] Bars",
            "Bumper Plates [Olympic] 50mm",
            "[Olympic] Lifting Belt Leather",
            "[Olympic] Weightlifting Shoes",
            "[Olympic] Bar Landmine Attachment",
            "Women's [Olympic] Bar 15kg",
            "[Olympic] Squat Rack with Safety Arms",
        ],
        "de": [
            "[Olympia] Langhantel 220 cm",
            "[Olympia] Hantelscheiben 50 mm",
            "[Olympia] SZ-Curlstange",
            "Hantelstange [Olympia] 20 kg",
            "[Olympia] Gewichtheben Schuhe",
            "Bumper Plates [Olympia] Gummi",
        ],
        "fr": [
            "Barre [olympique] 20 kg 220 cm",
            "Disques [olympiques] 50 mm fonte",
            "Barre EZ [olympique] musculation",
            "Colliers de serrage pour barre [olympique]",
            "Disques bumper [olympiques] haltérophilie",
        ],
        "es": [
            "Barra [olímpica] 20 kg 2,2 m",
            "Discos [olímpicos] 50 mm",
            "Barra Z [olímpica] para bíceps",
            "Discos bumper [olímpicos] de goma",
            "Topes para barra [olímpica]",
        ],
        "pt": [
            "Barra [olímpica] 20 kg cromada",
            "Anilhas [olímpicas] de ferro",
            "Barra W [olímpica] para musculação",
            "Presilhas para barra [olímpica]",
        ],
        "it": [
            "Bilanciere [olimpico] 220 cm",
            "Dischi [olimpici] in ghisa 50 mm",
            "Bilanciere curvo [olimpico]",
        ],
        "ru": [
            "[Олимпийский] гриф 220 см 20 кг",
            "Диски [олимпийские] 50 мм",
            "Гриф W-образный [олимпийский]",
            "Замки для [олимпийского] грифа",
        ],
        "zh": [
            "[奥林匹克]杠铃杆 2.2米",
            "[奥林匹克]杠铃片 50mm大孔",
            "[奥杆]健身房深蹲硬拉",
        ],
        "ja": [
            "[オリンピック]バーベル シャフト 220cm",
            "[オリンピック]プレート 50mm穴",
        ],
        "pl": ["Gryf [olimpijski] 220 cm", "Obciążenie [olimpijskie] talerze 50 mm"],
        "ar": ["بار [أولمبي] للأثقال 20 كجم", "أقراص أوزان [أولمبية] 50 مم"],
        "nl": ["[Olympische] halterstang 20 kg", "[Olympische] halterschijven 50 mm"],
    },
    ("word-olympic", "shooting"): {
        "en": [
            "[Olympic] Trap Clay Targets",
            "[Olympic] Trap Shotgun Choke",
            "[Olympic] Skeet Shooting Vest",
            "[Olympic] Trap Machine",
            "Shooting Glasses for [Olympic] Trap",
        ],
        "de": ["[Olympisch] Trap Wurfscheiben", "Trap-Weste [olympisch] Schießsport"],
        "fr": ["Fosse [olympique] plateaux", "Gilet de tir fosse [olympique]"],
        "es": ["Foso [olímpico] platos de tiro", "Chaleco tiro foso [olímpico]"],
        "it": ["Fossa [olimpica] piattelli", "Gilet tiro fossa [olimpica]"],
        "ru": ["Патроны для стенда [олимпийский] трап", "Тарелочки для [олимпийского] трапа"],
    },
    ("word-olympic", "pool"): {
        "en": [
            "[Olympic]-size Pool Lane Rope",
            "[Olympic] Size Swimming Pool Cover",
            "Inflatable Pool [Olympic] Size",
            "[Olympic]-sized Pool Thermometer",
        ],
        "fr": ["Ligne d'eau pour piscine [olympique]", "Bâche piscine taille [olympique]"],
        "es": ["Corchera para piscina [olímpica]", "Cubierta piscina [olímpica]"],
        "de": ["Schwimmleine für [olympisches] Becken", "Poolabdeckung [Olympia]-Becken"],
        "it": ["Corsia galleggiante piscina [olimpionica]"],
        "pt": ["Raia para piscina [olímpica]"],
        "ru": ["Разделительная дорожка для [олимпийского] бассейна"],
        "zh": ["[奥林匹克]标准泳池 分道线", "[奥运]标准 泳池 盖布"],
        "ja": ["[オリンピック]サイズ プール コースロープ"],
    },
    ("word-olympic", "place"): {
        "en": [
            "[Olympic] Peninsula Hiking Map",
            "[Olympic] National Park Poster",
            "[Olympic] Boulevard Street Sign",
            "Lake [Olympic] Valley Ski Trail Map",
            "[Olympic] Mountains Topo Map",
            "[Olympic] Peninsula Travel Guide",
            "Vintage [Olympic] Hotel Postcard",
        ],
        "ko": ["[올림픽]대로 교통 지도", "[올림픽]공원 산책로 안내 지도", "[올림픽]로 상가 임대"],
        "zh": ["[奥林匹克]森林公园 门票 导览图", "北京[奥林匹克]公园 地铁站 明信片"],
        "ru": ["Карта района [Олимпийский] проспект", "СК [Олимпийский] Москва открытка 1980-х"],
        "ja": ["[オリンピック]公園 駐車場 回数券"],
    },
    ("word-olympia", "place"): {
        "en": [
            "[Olympia] Washington City Map",
            "Ancient [Olympia] Greece Travel Guide",
            "[Olympia] Theatre Dublin Print",
            "[Olympia] London Exhibition Hall Map",
            "[Olympia] WA Souvenir Magnet",
            "[Olympus] Mons Mars Globe",
        ],
        "de": ["[Olympia]-Einkaufszentrum Karte", "Antikes [Olympia] Reiseführer Griechenland"],
        "fr": [
            "Guide de voyage [Olympie] antique",
            "Carte postale du théâtre de l'[Olympia] Paris",
        ],
        "es": ["Guía de [Olimpia] Grecia antigua"],
        "el": ["Χάρτης της Αρχαίας [Ολυμπίας]"],
    },
    ("symbol-olympic-rings", "place"): {
        "zh": ["北京[五环]路 交通地图", "[五环]外 两居室 出租", "[五环]内 停车位 转让"],
    },
    ("word-olympia", "brand"): {
        "en": [
            "[Olympus] OM-D E-M10 Mirrorless Camera",
            "[Olympus] Tough TG-7 Waterproof Camera",
            "[Olympus] Digital Voice Recorder",
            "[Olympus] Binoculars 8x42",
            "[Olympus] Microscope CX23",
            "[Olympia] Typewriter SM3 Vintage",
            "[Olympia] Portable Typewriter Ribbon",
            "[Olympia] Paper Shredder",
            "[Olympia] Sports Knee Brace",
            "[Olympus] Pen F Film Camera",
            "Lens Cap for [Olympus] 14-42mm",
        ],
        "de": [
            "[Olympus] Systemkamera Gehäuse",
            "[Olympia] Schreibmaschine Monica",
            "[Olympia] Aktenvernichter Partikelschnitt",
            "[Olympia] Alarmanlage Funk",
        ],
        "ja": [
            "[オリンパス] ミラーレス一眼 ボディ",
            "[オリンパス] ICレコーダー",
            "[オリンパス] 双眼鏡",
        ],
        "zh": ["[奥林巴斯] 微单相机 机身", "[奥林巴斯] 录音笔"],
        "fr": ["Appareil photo [Olympus] hybride", "Machine à écrire [Olympia] ancienne"],
        "es": ["Cámara [Olympus] réflex", "Máquina de escribir [Olympia] antigua"],
        "ru": ["Фотоаппарат [Olympus] беззеркальный", "Пишущая машинка [Олимпия]"],
        "pt": ["Câmera [Olympus] compacta", "Máquina de escrever [Olympia]"],
        "it": ["Fotocamera [Olympus] mirrorless", "Macchina da scrivere [Olympia] anni 60"],
        "ko": ["[올림푸스] 미러리스 카메라", "[올림푸스] 보이스 레코더"],
        "pl": ["Aparat [Olympus] bezlusterkowiec"],
    },
    ("word-olympic", "brand"): {
        "en": [
            "[Olympic] Paints Exterior Stain",
            "[Olympic] Deck Stain Semi-Transparent",
            "[Olympic] Maximum Waterproofing Sealant",
            "[Olympic] Cheese Slicer",
            "[Olympic] Kitchen Sink Faucet",
        ],
        "pl": ["Odżywka [Olimp] Whey Protein", "Kreatyna [Olimp] Creapure"],
        "ru": ["Протеин [Olimp] Sport Nutrition", "Шоколад [Олимпийский] фабрика"],
        "ja": ["[オリンピック]限定 自転車 27インチ", "[オリンピック] プライベートブランド 米 5kg"],
    },
    ("word-olympic", "company"): {
        "en": [
            "[Olympic] Steel Coil Offcut",
            "[Olympic] Air Vintage Flight Bag",
            "[Olympic] Airways Model Plane",
            "[Olympic] Holidays Gift Voucher",
            "[Olympic] Printing Services Business Cards",
            "[Olympic] Van Lines Moving Blanket",
            "[Olympic] Diner Coffee Mug Retro",
            "[Olympic] Pawn Shop Gift Card",
        ],
        "el": ["Μοντέλο αεροπλάνου [Olympic] Air"],
    },
    ("word-olympia", "company"): {
        "en": ["[Olympia] & York Building Print", "[Olympia] Moving Boxes Kit"],
        "fr": ["Carte cadeau [Olympia] Voyages"],
        "ru": ["Сертификат фитнес-клуб [Олимп]", "Абонемент СК [Олимп] 12 месяцев"],
        "de": ["[Olympia] Business Systems Ersatzteil"],
    },
    ("word-olympia", "myth"): {
        "en": [
            "Mount [Olympus] Greek Gods Wall Art",
            "Zeus on [Olympus] Statue Resin",
            "Gods of [Olympus] Tarot Deck",
            "Twelve [Olympians] Greek Mythology Poster",
            "[Olympus] Mythology Board Game",
        ],
        "fr": ["Statuette des dieux de l'[Olympe]", "Mythologie grecque : les dieux de l'[Olympe]"],
        "de": ["Götter des [Olymp] Wandbild", "Die Götter vom [Olymp] Kinderbuch"],
        "es": ["Los dioses del [Olimpo] libro ilustrado", "Figura Zeus del [Olimpo]"],
        "it": ["Gli dei dell'[Olimpo] libro", "Statua Zeus [Olimpo]"],
        "ru": ["Боги [Олимпа] мифы Древней Греции", "Статуэтка Зевс [Олимп]"],
        "pt": ["Deuses do [Olimpo] livro infantil"],
        "zh": ["[奥林匹斯]众神 希腊神话 绘本"],
        "ja": ["[オリュンポス]の神々 ギリシャ神話 図鑑"],
    },
    ("word-olympian", "myth"): {
        "en": ["The Twelve [Olympian] Gods Art Print", "[Olympian] Gods Figurine Set"],
    },
    ("word-olympia", "fiction"): {
        "en": [
            "The Heroes of [Olympus] Book Set",
            "[Olympus] Has Fallen Blu-ray",
            "Assassin's Creed [Olympus] Artbook",
            "[Olympus] Comic Vol. 2",
        ],
        "fr": ["La Chute de l'[Olympe] DVD"],
        "es": ["Los héroes del [Olimpo] libro"],
        "de": ["Helden des [Olymp] Buch"],
        "it": ["Eroi dell'[Olimpo] libro Riordan"],
        "ja": ["[オリンポス]の神々と7人の英雄 小説"],
        "ru": ["Герои [Олимпа] Рик Риордан книга"],
    },
    ("word-olympian", "fiction"): {
        "en": [
            "Percy Jackson and the [Olympians] Box Set",
            "The Last [Olympian] Paperback",
            "Percy Jackson and the [Olympians] Disney+ Poster",
        ],
        "es": ["Percy Jackson y los dioses del [Olimpo] libro"],
        "fr": ["Percy Jackson et les [Olympiens] coffret"],
    },
    ("word-olympiad", "olympiad"): {
        "en": [
            "Math [Olympiad] Practice Workbook Grade 5",
            "Science [Olympiad] Kit Battery Buggy",
            "International Mathematical [Olympiad] Problems Book",
            "Physics [Olympiad] Preparation Guide",
            "Chemistry [Olympiad] Past Papers",
            "Informatics [Olympiad] Training Handbook",
            "Spelling [Olympiad] Flashcards",
            "Science [Olympiad] Medal Ribbon",
            "Biology [Olympiad] Study Notes",
        ],
        "es": [
            "[Olimpiada] de Matemáticas cuaderno",
            "Problemas de [Olimpiadas] de Química",
            "[Olimpiada] de Física preparación libro",
        ],
        "pt": ["[Olimpíada] Brasileira de Matemática apostila", "[Olimpíada] de Química livro"],
        "fr": ["[Olympiades] de mathématiques annales", "Préparer les [olympiades] de physique"],
        "de": ["Mathematik-[Olympiade] Aufgabenbuch", "Chemie-[Olympiade] Übungen"],
        "it": ["[Olimpiadi] di Matematica esercizi", "[Olimpiadi] di Fisica libro"],
        "ru": [
            "[Олимпиадные] задачи по математике 5 класс",
            "[Олимпиада] по физике сборник",
            "Всероссийская [олимпиада] школьников химия",
        ],
        "zh": [
            "小学[奥数]举一反三",
            "[数学奥林匹克]竞赛教程",
            "高中物理[奥赛]题典",
            "[奥林匹克]数学 三年级 练习册",
        ],
        "ja": ["数学[オリンピック] 過去問題集", "化学[オリンピック] 問題集"],
        "ko": ["수학 [올림피아드] 문제집", "과학 [올림피아드] 대비 교재"],
        "pl": ["[Olimpiada] matematyczna zadania"],
        "nl": ["Wiskunde [Olympiade] oefenboek"],
        "ar": ["كتاب [أولمبياد] الرياضيات للمدارس"],
    },
    ("word-olympic", "club"): {
        "en": [
            "[Olympiacos] Home Jersey",
            "[Olympique] Lyonnais Scarf",
            "[Olympique] de Marseille Training Top",
            "[Olympic] Swim Club Team Towel",
            "Leeds [Olympic] Running Club Vest",
        ],
        "fr": [
            "Maillot [Olympique] de Marseille domicile",
            "Écharpe [Olympique] Lyonnais supporter",
        ],
        "es": ["Camiseta [Olympique] de Marsella"],
        "el": ["Φανέλα [Ολυμπιακός] εντός έδρας"],
        "ru": ["Шарф ФК [Олимпик] Донецк"],
        "it": ["Sciarpa [Olympique] Marsiglia ultras"],
        "pt": ["Camisa [Olympique] de Marselha 2023"],
        "de": ["Trikot [Olympique] Lyon Auswärts"],
    },
    ("word-olympia", "club"): {
        "en": ["[Olympiakos] Piraeus Scarf", "[Olympia] Gym Membership Card Holder"],
        "de": ["[Olympia] Turnverein Vereinsschal"],
    },
    ("word-olympic", "ship"): {
        "en": [
            "RMS [Olympic] Ship Model 1:400",
            "RMS [Olympic] White Star Line Poster",
            "White Star [Olympic] Liner Print",
            "RMS [Olympic] 1911 Maiden Voyage Menu Reproduction",
            "[Olympic]-class Liners Titanic Britannic Book",
            "RMS [Olympic] Lifebuoy Replica Wall Decor",
        ],
        "es": ["Maqueta del transatlántico RMS [Olympic]"],
        "de": ["RMS [Olympic] Schiffsmodell", "Ozeandampfer [Olympic] Bausatz"],
        "fr": ["Paquebot RMS [Olympic] maquette"],
    },
    ("symbol-olympic-rings", "rings-generic"): {
        "en": [
            "[Five Rings] Binder Clips Set",
            "Gymnastic [Rings] Wooden with Straps",
            "Ring Toss Game [Five Rings]",
            "[Five-Ring] Gas Burner Stove",
            "[Five Rings] Key Ring Set",
            "Stacking [Rings] Baby Toy",
            "Loose Leaf Binder [Rings] 5 pcs",
            "Onion [Rings] Air Fryer Basket",
            "[5-Ring] Binder A4 Blue",
        ],
        "zh": ["[五环]灶 燃气灶 猛火", "[五环]套圈 游戏 儿童"],
        "de": ["Turnringe [Ringe] Holz", "Ringwurfspiel [fünf Ringe]"],
        "fr": ["Anneaux de gym [anneaux] en bois", "Jeu de lancer d'[anneaux] cinq anneaux"],
        "es": ["[Anillas] de gimnasia de madera"],
        "ja": ["[五輪]ピアス 重ね付け シルバー", "[5連リング] キーホルダー"],
        "ru": ["Гимнастические [кольца] деревянные", "Игра кольцеброс [пять колец]"],
    },
    ("symbol-olympic-rings", "rings-book"): {
        "en": [
            "The Book of [Five Rings] Miyamoto Musashi",
            "A Book of [Five Rings] Hardcover",
            "Musashi [Five Rings] Strategy Classic",
        ],
        "ja": ["[五輪]書 宮本武蔵 現代語訳", "[五輪]の書 文庫"],
        "zh": ["[五轮书] 宫本武藏"],
        "fr": ["Le Traité des [Cinq Roues] Musashi"],
        "es": ["El libro de los [cinco anillos] Musashi"],
        "de": ["Das Buch der [fünf Ringe] Musashi"],
        "it": ["Il libro dei [cinque anelli] Musashi"],
        "ru": ["Книга [пяти колец] Миямото Мусаси"],
        "pt": ["O livro dos [cinco anéis] Musashi"],
    },
    ("word-olympia", "person"): {
        "en": [
            "[Olympia] Dukakis Signed Photo",
            "[Olympia] Le-Tan Clutch Bag",
            "[Olympias] Queen of Macedon Biography",
            "[Olympia] Kelly Vintage Skater Poster",
            "Saint [Olympias] Icon Hand Painted",
        ],
        "fr": ["Biographie d'[Olympe] de Gouges", "Manet [Olympia] reproduction toile"],
        "de": ["Manet [Olympia] Kunstdruck"],
        "es": ["Lámina Manet [Olympia] museo d'Orsay"],
        "it": ["Manet [Olympia] stampa su tela"],
        "ru": ["Репродукция Мане [Олимпия] холст"],
    },
    ("word-olympia", "nature"): {
        "en": [
            "Live [Olympia] Oysters Dozen",
            "[Olympia] Oyster Shucking Knife",
            "[Olympic] Marmot Plush Toy",
            "[Olympic] Mountains Wildflower Seed Mix",
            "[Olympia] Rose Bare Root Plant",
            "[Olympic] Salamander Field Guide",
            "[Olympic] Torch Rose Seeds (Hybrid Tea)",
        ],
        "de": ["[Olympia]-Auster Zuchtset", "Rose [Olympia] wurzelnackt"],
        "fr": ["Rosier [Olympia] à racines nues", "Huîtres [Olympia] du Pacifique"],
        "es": ["Ostras [Olympia] vivas"],
    },
    ("word-olympic", "music"): {
        "en": [
            "The [Olympics] Doo-Wop Vinyl 45",
            "[Olympic] Runners Band LP Record",
            "The [Olympics] Western Movie Single 1958",
        ],
        "de": ["The [Olympics] Rock'n'Roll Single"],
        "ja": ["ザ・[オリンピックス] ドゥーワップ レコード"],
    },
    ("word-olympia", "music"): {
        "en": [
            "Bryan Ferry [Olympia] CD Album",
            "Live at the [Olympia] Paris Vinyl",
            "[Olympia] Records Jazz LP",
        ],
        "fr": [
            "Johnny Hallyday [Olympia] 1961 vinyle",
            "Concert à l'[Olympia] DVD",
            "Brel à l'[Olympia] CD",
        ],
        "de": ["Live im [Olympia] Paris Schallplatte"],
        "ja": ["[オランピア] ライブ盤 レコード"],
    },
    ("word-olympic", "history"): {
        "en": [
            "The Ancient [Olympic] Games Archaeology Book",
            "Ancient Greek [Olympics] 776 BC Poster",
            "Athletics at the Ancient [Olympic] Festival, Vase Print",
        ],
        "de": ["Die antiken [Olympischen] Spiele Sachbuch"],
        "es": ["Los [Juegos Olímpicos] de la antigua Grecia libro"],
        "it": ["Le antiche [Olimpiadi] greche libro"],
        "ru": ["Античные [Олимпийские] игры книга по истории"],
        "zh": ["古代[奥林匹克]运动会 考古图录"],
        "fr": ["Les [Jeux olympiques] antiques, livre d'archéologie"],
    },
    ("word-olympian", "history"): {
        "en": ["Pindar [Olympian] Odes Loeb Classical", "Pindar's [Olympian] Odes Greek Text"],
        "fr": ["Pindare, [Olympiques] et Pythiques"],
    },
    ("word-olympia", "history"): {
        "en": ["Ancient [Olympia] Stadium Coin Replica", "Temple of Zeus at [Olympia] Engraving"],
        "de": ["Antikes [Olympia] Zeustempel Modell"],
    },
}

OLYMPIC: dict[str, dict[str, list[str]]] = {
    # mark -> lang -> items naming the Olympic property
    "word-olympic": {
        "en": [
            "Official [Olympic] Team Hoodie",
            "[Olympic] Games Pin Collection",
            "[Olympic] Torch Replica",
            "[Olympic] Gold Medal Replica",
            "Team USA [Olympic] Jacket",
            "[Olympic] Mascot Plush",
            "[Olympic] Commemorative Coin",
            "[Olympic] Village Lanyard",
            "[Olympic] Flag 3x5 ft",
            "Team GB [Olympic] Weightlifting Singlet",
            "Tokyo 2020 [Olympic] Trap Final Ticket",
            "Paris 2024 [Olympic] Swimming Session Ticket",
            "Team USA [Olympic] Weightlifting Warm-Up Jacket",
            "[Olympic] Park London 2012 Souvenir Map",
        ],
        "fr": [
            "Sweat équipe de France [olympique]",
            "Pin's [olympique] collector",
            "Médaille [olympique] réplique",
            "Flamme [olympique] miniature",
            "Billet finale haltérophilie [olympique] Paris 2024",
        ],
        "de": [
            "[Olympia] Team Deutschland Trikot",
            "[Olympische] Fackel Nachbildung",
            "[Olympia] Sammlermünze",
            "[Olympia] 2024 Ticket Gewichtheben Finale",
            "[Olympische] Ringe Anstecknadel",
        ],
        "es": [
            "Chaqueta equipo [olímpico] España",
            "Antorcha [olímpica] réplica",
            "Medalla [olímpica] de oro réplica",
            "Pin [olímpico] coleccionable",
        ],
        "pt": [
            "Camisa time Brasil [olímpico]",
            "Tocha [olímpica] réplica",
            "Medalha [olímpica] colecionável",
        ],
        "it": ["Felpa squadra [olimpica] Italia", "Torcia [olimpica] replica", "Spilla [olimpica]"],
        "ru": [
            "[Олимпийский] мишка сувенир",
            "[Олимпийская] сборная толстовка",
            "[Олимпийский] факел копия",
        ],
        "zh": ["[奥林匹克]纪念徽章 套装", "[奥林匹克]火炬 纪念品", "[奥林匹克]金牌 复刻"],
        "ja": [
            "[オリンピック] 記念ピンバッジ",
            "[オリンピック] 公式 Tシャツ",
            "[オリンピック] 聖火 トーチ レプリカ",
        ],
        "ko": ["[올림픽] 기념 배지", "[올림픽] 공식 티셔츠"],
        "nl": ["[Olympische] TeamNL hoodie", "[Olympische] fakkel replica"],
        "pl": ["Koszulka reprezentacji [olimpijskiej]", "Znicz [olimpijski] replika"],
        "ar": ["قميص الفريق [الأولمبي]", "شعلة [أولمبية] تذكارية"],
    },
    "phrase-olympic-games": {
        "en": [
            "[Olympic Games] Paris 2024 T-Shirt",
            "[Olympic Games] Ticket Holder",
            "[Olympics] Opening Ceremony Poster",
            "Winter [Olympics] Beanie",
            "[Olympics] 2028 Souvenir Mug",
        ],
        "fr": [
            "T-shirt [Jeux Olympiques] Paris 2024",
            "Billet [Jeux Olympiques] porte-billet",
            "Peluche [JO] Paris",
        ],
        "de": ["[Olympische Spiele] Fan-Schal", "[Olympische Spiele] Sammelbecher"],
        "es": ["Camiseta [Juegos Olímpicos] París", "Taza [Juegos Olímpicos]"],
        "pt": ["Camiseta [Jogos Olímpicos] Paris", "Caneca [Jogos Olímpicos]"],
        "it": ["Maglietta [Giochi Olimpici] Milano Cortina"],
        "zh": ["[奥运会]纪念T恤", "[奥运]吉祥物 毛绒公仔", "[冬奥会]纪念品 徽章"],
        "ru": ["Футболка [Олимпийские игры] Сочи", "Кружка [Олимпийские игры]"],
        "el": ["Μπλουζάκι [Ολυμπιακοί Αγώνες] Αθήνα 2004", "Κούπα [Ολυμπιακών Αγώνων]"],
        "ja": ["[オリンピック競技大会] 公式 ポスター"],
        "ko": ["[동계올림픽] 기념 머플러"],
    },
    "symbol-olympic-rings": {
        "en": [
            "[Olympic Rings] Necklace Pendant",
            "[Olympic Rings] Car Decal",
            "[Olympic Rings] Cufflinks Gold Tone",
        ],
        "zh": ["[五环]标志 徽章 奥运", "[五环]图案 纪念T恤 奥运"],
        "ja": ["[五輪]マーク ピンバッジ", "[五輪] 記念 ピン 東京"],
        "de": ["[Olympische Ringe] Aufkleber"],
        "fr": ["Autocollant [anneaux olympiques]"],
    },
    "word-olympian": {
        "en": ["[Olympian] Signed Team Photo", "Future [Olympian] Baby Bodysuit Team USA"],
        "fr": ["Maillot dédicacé [olympien] équipe de France"],
    },
    "word-olympiad": {
        "en": ["Games of the XXXIII [Olympiad] Paris Pin"],
        "fr": ["Affiche Jeux de la XXXIIIe [Olympiade] Paris 2024"],
    },
    "edition-paris-2024": {
        "en": ["[Paris 2024] Official Mascot Plush", "[Paris 2024] Olympic Pin Set"],
        "fr": ["Peluche mascotte [Paris 2024]", "Pin's officiel [Paris 2024]"],
    },
    "edition-milano-cortina-2026": {
        "en": ["[Milano Cortina 2026] Team Beanie"],
        "it": ["Felpa ufficiale [Milano Cortina 2026]"],
    },
    "edition-la28": {"en": ["[LA28] Olympic Games Cap", "[LA28] Official Tee"]},
    "mascot-bing-dwen-dwen": {
        "en": ["[Bing Dwen Dwen] Plush Panda Keychain"],
        "zh": ["[冰墩墩] 毛绒 公仔 正版", "[冰墩墩] 钥匙扣 冬奥"],
    },
    "mascot-miraitowa": {
        "ja": ["[ミライトワ] ぬいぐるみ 東京2020"],
        "en": ["[Miraitowa] Plush Tokyo 2020"],
    },
    "mascot-olympic-phryge": {
        "fr": ["Peluche [Phryge olympique]", "[Phryge olympique] mascotte porte-clés"],
        "en": ["[Olympic Phryge] Mascot Plush"],
    },
}

OLYMPIC_NAMED: dict[tuple[str, str], dict[str, list[str]]] = {
    # (mark, kind) -> lang -> items naming the property without its word: the symbol described
    # in words, a mascot by the short name people write
    ("symbol-olympic-rings", "symbol-words"): {
        "en": [
            "[Five Ring] Emblem Embroidered Patch",
            "Interlocking [Rings] Logo Cap",
            "[Five Interlocking Rings] Logo Sticker",
            "Blue Yellow Black Green Red [Rings] Logo Pin",
            "[5 Rings] Games Logo Keychain",
        ],
        "fr": ["Écusson [cinq anneaux entrelacés] brodé", "Pin's logo [cinq anneaux] des Jeux"],
        "de": ["Aufnäher [fünf verschlungene Ringe]", "Anstecker [fünf Ringe] Spiele Logo"],
        "es": ["Parche [cinco aros entrelazados]", "Pin logo [cinco aros] de los Juegos"],
        "zh": ["[五环]标志 车贴", "[五色环]标志 徽章"],
        "ru": ["Значок [пять колец] символ Игр", "Нашивка [пять переплетённых колец]"],
    },
    ("mascot-olympic-phryge", "mascot-name"): {
        "en": ["[Phryge] Plush 30cm", "[Phryges] Keychain Paris", "[Phryge] Mascot Hat"],
        "fr": ["Peluche [Phryge] 25 cm", "Porte-clés [Phryges] Paris"],
        "es": ["Peluche [Phryge] mascota París"],
        "de": ["[Phryge] Plüschtier Maskottchen"],
        "it": ["Peluche [Phryge] Parigi"],
        "ja": ["[フリージュ] ぬいぐるみ パリ"],
    },
    ("mascot-bing-dwen-dwen", "mascot-name"): {
        "zh": ["[墩墩] 毛绒公仔 冬奥", "[冰墩墩]同款 钥匙扣"],
        "en": ["[Bing Dwen] Panda Plush Winter Games"],
        "ja": ["[ビンドゥンドゥン] ぬいぐるみ 北京"],
    },
}

# Olympic merchandise built from a mark form and a head noun: (mark, form) pairs and heads per
# language, "{h}" and "{f}" placed by the language's pattern. Every third head is held out for dev.
MERCH_FORMS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("word-olympic", "[Olympic]"),
        ("phrase-olympic-games", "[Olympic Games]"),
        ("phrase-olympic-games", "[Olympics]"),
        ("word-olympic", "Paris 2024 [Olympic]"),
        ("word-olympic", "LA28 [Olympic]"),
        ("phrase-olympic-games", "Winter [Olympics]"),
        ("edition-milano-cortina-2026", "[Milano Cortina 2026]"),
        ("word-olympic", "Team GB [Olympic]"),
        ("word-olympic", "Tokyo 2020 [Olympic]"),
    ],
    "fr": [
        ("phrase-olympic-games", "des [Jeux Olympiques]"),
        ("phrase-olympic-games", "[JO] Paris 2024"),
        ("edition-paris-2024", "[Paris 2024]"),
        ("word-olympic", "équipe de France [olympique]"),
        ("phrase-olympic-games", "[Jeux Olympiques] d'hiver"),
    ],
    "de": [
        ("word-olympia", "[Olympia]"),
        ("phrase-olympic-games", "[Olympische Spiele]"),
        ("word-olympia", "[Olympia] 2024 Team Deutschland"),
        ("edition-milano-cortina-2026", "[Milano Cortina 2026]"),
    ],
    "es": [
        ("phrase-olympic-games", "de los [Juegos Olímpicos]"),
        ("phrase-olympic-games", "[Juegos Olímpicos] París 2024"),
        ("word-olympic", "del equipo [olímpico] español"),
    ],
    "pt": [
        ("phrase-olympic-games", "dos [Jogos Olímpicos]"),
        ("word-olympic", "Rio 2016 [olímpico]"),
        ("word-olympic", "do Time Brasil [olímpico]"),
    ],
    "it": [
        ("phrase-olympic-games", "dei [Giochi Olimpici]"),
        ("edition-milano-cortina-2026", "[Milano Cortina 2026]"),
        ("word-olympic", "Italia Team [olimpico]"),
    ],
    "ru": [
        ("phrase-olympic-games", "[Олимпийские игры]"),
        ("word-olympiad", "[Олимпиада]-80"),
        ("phrase-olympic-games", "[Олимпийских игр] Сочи 2014"),
    ],
    "zh": [
        ("phrase-olympic-games", "[奥运]"),
        ("phrase-olympic-games", "[奥运会]"),
        ("phrase-olympic-games", "北京[冬奥]"),
        ("word-olympic", "[奥林匹克]"),
        ("phrase-olympic-games", "北京2008[奥运]"),
    ],
    "ja": [
        ("word-olympic", "[オリンピック]"),
        ("word-olympic", "東京2020[オリンピック]"),
        ("symbol-olympic-rings", "東京[五輪]"),
    ],
    "ko": [
        ("word-olympic", "[올림픽]"),
        ("phrase-olympic-games", "평창 [동계올림픽]"),
    ],
}

MERCH_PATTERN = {
    "en": "{f} {h}",
    "fr": "{h} {f}",
    "de": "{f} {h}",
    "es": "{h} {f}",
    "pt": "{h} {f}",
    "it": "{h} {f}",
    "ru": "{h} {f}",
    "zh": "{f}{h}",
    "ja": "{f} {h}",
    "ko": "{f} {h}",
}

MERCH_HEADS: dict[str, list[str]] = {
    "en": [
        "Enamel Pin",
        "T-Shirt",
        "Hoodie",
        "Baseball Cap",
        "Coffee Mug",
        "Keychain",
        "Poster",
        "Commemorative Coin",
        "Stamp Set",
        "Mascot Plush",
        "Torch Replica",
        "Medal Replica",
        "Flag",
        "Scarf",
        "Sticker Pack",
        "Fridge Magnet",
        "Lanyard",
        "Official Programme",
        "Opening Ceremony Ticket",
        "Trading Cards",
        "Bobblehead",
        "Water Bottle",
        "Backpack",
        "Tote Bag",
        "Volunteer Jacket",
        "Snow Globe",
        "Jigsaw Puzzle",
        "Phone Case",
        "Wrist Watch",
        "Replica Jersey",
        "Beanie",
        "Shot Glass",
    ],
    "fr": [
        "Pin's",
        "T-shirt",
        "Sweat à capuche",
        "Casquette",
        "Mug",
        "Porte-clés",
        "Affiche",
        "Pièce commémorative",
        "Carnet de timbres",
        "Peluche mascotte",
        "Réplique de la flamme",
        "Médaille réplique",
        "Drapeau",
        "Écharpe",
        "Autocollants",
        "Magnet",
        "Tour de cou",
        "Programme officiel",
        "Billet cérémonie d'ouverture",
        "Cartes à collectionner",
        "Gourde",
        "Sac à dos",
        "Tote bag",
        "Veste de volontaire",
        "Boule à neige",
        "Puzzle",
        "Coque de téléphone",
        "Montre",
        "Maillot",
        "Bonnet",
    ],
    "de": [
        "Anstecknadel",
        "T-Shirt",
        "Kapuzenpullover",
        "Kappe",
        "Tasse",
        "Schlüsselanhänger",
        "Poster",
        "Gedenkmünze",
        "Briefmarken",
        "Maskottchen Plüsch",
        "Fackel Nachbildung",
        "Medaille Replik",
        "Fahne",
        "Schal",
        "Aufkleber",
        "Kühlschrankmagnet",
        "Schlüsselband",
        "Programmheft",
        "Eintrittskarte Eröffnungsfeier",
        "Sammelkarten",
        "Trinkflasche",
        "Rucksack",
        "Stoffbeutel",
        "Schneekugel",
        "Puzzle",
        "Handyhülle",
        "Armbanduhr",
        "Mütze",
    ],
    "es": [
        "Pin",
        "Camiseta",
        "Sudadera",
        "Gorra",
        "Taza",
        "Llavero",
        "Póster",
        "Moneda conmemorativa",
        "Sellos",
        "Peluche mascota",
        "Réplica de la antorcha",
        "Réplica de medalla",
        "Bandera",
        "Bufanda",
        "Pegatinas",
        "Imán",
        "Lanyard",
        "Programa oficial",
        "Entrada ceremonia de apertura",
        "Cromos",
        "Botella",
        "Mochila",
        "Bolsa de tela",
        "Bola de nieve",
        "Puzle",
        "Funda de móvil",
        "Reloj",
        "Gorro",
    ],
    "pt": [
        "Pin",
        "Camiseta",
        "Moletom",
        "Boné",
        "Caneca",
        "Chaveiro",
        "Pôster",
        "Moeda comemorativa",
        "Selos",
        "Pelúcia mascote",
        "Réplica da tocha",
        "Réplica de medalha",
        "Bandeira",
        "Cachecol",
        "Adesivos",
        "Ímã de geladeira",
        "Cordão para crachá",
        "Programa oficial",
        "Ingresso cerimônia de abertura",
        "Figurinhas",
        "Garrafa",
        "Mochila",
        "Ecobag",
        "Globo de neve",
        "Quebra-cabeça",
        "Capinha de celular",
        "Relógio",
        "Gorro",
    ],
    "it": [
        "Spilla",
        "Maglietta",
        "Felpa",
        "Cappellino",
        "Tazza",
        "Portachiavi",
        "Poster",
        "Moneta commemorativa",
        "Francobolli",
        "Peluche mascotte",
        "Replica della torcia",
        "Medaglia replica",
        "Bandiera",
        "Sciarpa",
        "Adesivi",
        "Magnete",
        "Programma ufficiale",
        "Biglietto cerimonia di apertura",
        "Figurine",
        "Borraccia",
        "Zaino",
        "Borsa di tela",
        "Palla di neve",
        "Puzzle",
        "Cover per telefono",
        "Orologio",
        "Berretto",
    ],
    "ru": [
        "Значок",
        "Футболка",
        "Толстовка",
        "Кепка",
        "Кружка",
        "Брелок",
        "Плакат",
        "Памятная монета",
        "Марки",
        "Плюшевый талисман",
        "Копия факела",
        "Копия медали",
        "Флаг",
        "Шарф",
        "Наклейки",
        "Магнит",
        "Программа",
        "Билет на церемонию открытия",
        "Коллекционные карточки",
        "Бутылка",
        "Рюкзак",
        "Сумка",
        "Снежный шар",
        "Пазл",
        "Чехол для телефона",
        "Часы",
        "Шапка",
    ],
    "zh": [
        "纪念徽章",
        "T恤",
        "卫衣",
        "棒球帽",
        "马克杯",
        "钥匙扣",
        "海报",
        "纪念币",
        "邮票",
        "吉祥物毛绒公仔",
        "火炬模型",
        "奖牌复刻",
        "旗帜",
        "围巾",
        "贴纸",
        "冰箱贴",
        "挂绳",
        "秩序册",
        "开幕式门票",
        "收藏卡",
        "水杯",
        "双肩包",
        "帆布袋",
        "水晶球",
        "拼图",
        "手机壳",
        "手表",
        "毛线帽",
    ],
    "ja": [
        "ピンバッジ",
        "Tシャツ",
        "パーカー",
        "キャップ",
        "マグカップ",
        "キーホルダー",
        "ポスター",
        "記念硬貨",
        "切手シート",
        "マスコット ぬいぐるみ",
        "聖火トーチ レプリカ",
        "メダル レプリカ",
        "フラッグ",
        "マフラータオル",
        "ステッカー",
        "マグネット",
        "ネックストラップ",
        "公式プログラム",
        "開会式 チケット",
        "トレーディングカード",
        "ボトル",
        "リュック",
        "トートバッグ",
        "スノードーム",
        "ジグソーパズル",
        "スマホケース",
        "腕時計",
        "ニット帽",
    ],
    "ko": [
        "배지",
        "티셔츠",
        "후드티",
        "모자",
        "머그컵",
        "키링",
        "포스터",
        "기념주화",
        "우표",
        "마스코트 인형",
        "성화 봉 모형",
        "메달 복제품",
        "깃발",
        "머플러",
        "스티커",
        "마그넷",
        "공식 프로그램",
        "개막식 입장권",
        "트레이딩 카드",
        "물병",
        "백팩",
        "에코백",
        "스노우볼",
        "퍼즐",
        "휴대폰 케이스",
        "손목시계",
        "비니",
    ],
}


# Look-alike senses on the same merchandise heads (a T-shirt of Olympic National Park, a Math
# Olympiad mug): the head noun alone never tells the label. (mark, kind, form) per language.
LOOKALIKE_FORMS: dict[str, list[tuple[str, str, str]]] = {
    "en": [
        ("word-olympic", "place", "[Olympic] National Park"),
        ("word-olympia", "place", "[Olympia], Washington"),
        ("word-olympic", "club", "[Olympique] de Marseille"),
        ("word-olympia", "club", "[Olympiacos] FC"),
        ("word-olympiad", "olympiad", "Math [Olympiad]"),
        ("word-olympiad", "olympiad", "Science [Olympiad] Team"),
        ("word-olympia", "myth", "Mount [Olympus] Gods"),
        ("word-olympic", "ship", "RMS [Olympic] 1911"),
        ("word-olympia", "brand", "[Olympus] Camera"),
        ("word-olympic", "lifting", "[Olympic] Weightlifting Club"),
        ("word-olympia", "fiction", "Heroes of [Olympus]"),
        ("word-olympic", "place", "[Olympic] Peninsula"),
    ],
    "fr": [
        ("word-olympic", "club", "de l'[Olympique] de Marseille"),
        ("word-olympic", "club", "[Olympique] Lyonnais"),
        ("word-olympia", "music", "de l'[Olympia] de Paris"),
        ("word-olympiad", "olympiad", "des [Olympiades] de mathématiques"),
        ("word-olympia", "myth", "des dieux de l'[Olympe]"),
    ],
    "de": [
        ("word-olympiad", "olympiad", "Mathematik-[Olympiade]"),
        ("word-olympia", "myth", "Götter des [Olymp]"),
        ("word-olympia", "brand", "[Olympia] Schreibmaschinen"),
        ("word-olympic", "club", "[Olympique] Marseille Fanclub"),
    ],
    "es": [
        ("word-olympiad", "olympiad", "de la [Olimpiada] de Matemáticas"),
        ("word-olympia", "myth", "de los dioses del [Olimpo]"),
        ("word-olympic", "club", "del [Olympique] de Marsella"),
    ],
    "pt": [
        ("word-olympiad", "olympiad", "da [Olimpíada] Brasileira de Matemática"),
        ("word-olympia", "myth", "dos deuses do [Olimpo]"),
    ],
    "it": [
        ("word-olympiad", "olympiad", "delle [Olimpiadi] di Matematica"),
        ("word-olympia", "myth", "degli dei dell'[Olimpo]"),
    ],
    "ru": [
        ("word-olympiad", "olympiad", "[олимпиады] школьников"),
        ("word-olympic", "place", "СК [Олимпийский]"),
        ("word-olympic", "club", "ФК [Олимпик]"),
    ],
    "zh": [
        ("word-olympiad", "olympiad", "[奥数]班"),
        ("word-olympic", "place", "[奥林匹克]森林公园"),
        ("symbol-olympic-rings", "place", "北京[五环]路"),
    ],
    "ja": [
        ("word-olympiad", "olympiad", "数学[オリンピック]"),
        ("word-olympia", "brand", "[オリンパス]"),
    ],
    "ko": [
        ("word-olympiad", "olympiad", "수학[올림피아드]"),
        ("word-olympic", "place", "[올림픽]공원"),
    ],
}


def lookalike_merch_items(lang: str) -> list[tuple[str, str, str, str]]:
    """(mark, kind, item, split): every merchandise head with one look-alike form, in turn."""
    forms = LOOKALIKE_FORMS[lang]
    heads = MERCH_HEADS[lang]
    out = []
    for n, head in enumerate(heads):
        mark, kind, form = forms[n % len(forms)]
        item = MERCH_PATTERN[lang].format(f=form, h=head)
        out.append((mark, kind, item, _split_of(n, len(heads))))
    return out


def merch_items(lang: str) -> list[tuple[str, str, str]]:
    """(mark, item, split) for the language: every head with one form, forms taken in turn."""
    forms = MERCH_FORMS[lang]
    out = []
    for n, head in enumerate(MERCH_HEADS[lang]):
        mark, form = forms[n % len(forms)]
        item = MERCH_PATTERN[lang].format(f=form, h=head)
        out.append((mark, item, _split_of(n, len(MERCH_HEADS[lang]))))
    return out


# --- added for issue 16, second round: forms the registry now carries (mottos in the registry's
# languages, translations and inflections, editions' names in other languages, the symbol's
# singular forms) and more look-alike brands across product categories. Written from public
# facts (each form is in marks.tsv or rings.tsv with its basis), not from any evaluation set.

OLYMPIC_NAMED_MORE: dict[tuple[str, str], dict[str, list[str]]] = {
    ("motto-olympic", "motto"): {
        "en": [
            "[Faster, Higher, Stronger] Vintage Tee",
            "[Citius Altius Fortius] Embroidered Cap",
            "[Faster Higher Stronger Together] Water Bottle",
            "Mug [Citius, Altius, Fortius - Communiter]",
            "[Faster, Higher, Stronger] Wall Art Print",
            "Pin [Citius Altius Fortius] Gold Tone",
        ],
        "fr": [
            "T-shirt [Plus vite, plus haut, plus fort]",
            "Mug [Citius Altius Fortius]",
            "Affiche [Plus vite, plus haut, plus fort - Ensemble]",
        ],
        "de": [
            "Tasse [Schneller, höher, stärker]",
            "T-Shirt [Schneller höher stärker gemeinsam]",
            "Poster [Citius Altius Fortius]",
        ],
        "es": [
            "Camiseta [Más rápido, más alto, más fuerte]",
            "Taza [Más rápido, más alto, más fuerte - juntos]",
            "Gorra [Citius Altius Fortius]",
        ],
        "pt": [
            "Camiseta [Mais rápido, mais alto, mais forte]",
            "Caneca [Citius Altius Fortius]",
            "Boné [Mais rápido, mais alto, mais forte - juntos]",
        ],
        "it": [
            "Maglietta [Più veloce, più in alto, più forte]",
            "Tazza [Citius Altius Fortius]",
            "Felpa [Più veloce, più in alto, più forte - insieme]",
        ],
        "nl": [
            "Mok [Sneller, hoger, sterker]",
            "T-shirt [Sneller hoger sterker samen]",
            "Poster [Citius Altius Fortius]",
        ],
        "ru": [
            "Футболка [Быстрее, выше, сильнее]",
            "Кружка [Быстрее выше сильнее вместе]",
            "Значок [Citius Altius Fortius]",
        ],
        "pl": [
            "Kubek [Szybciej, wyżej, mocniej]",
            "Koszulka [Citius Altius Fortius]",
            "Plakat [Szybciej wyżej mocniej]",
        ],
        "zh": ["[更快更高更强] 纪念T恤", "[更快、更高、更强——更团结] 徽章", "[更快更高更强]马克杯"],
        "ja": [
            "[より速く、より高く、より強く] Tシャツ",
            "[Citius Altius Fortius] マグカップ",
            "[より速く、より高く、より強く－共に] ポスター",
        ],
        "ko": ["[더 빠르게, 더 높게, 더 강하게] 티셔츠", "[Citius Altius Fortius] 머그컵"],
        "ar": ["قميص [أسرع، أعلى، أقوى]", "كوب [Citius Altius Fortius]"],
    },
    ("phrase-olympic-games", "translation"): {
        "pl": [
            "Koszulka [Igrzyska Olimpijskie] 2024",
            "Kubek [Igrzysk Olimpijskich] Paryż",
            "Przypinka [olimpijska] reprezentacji Polski",
            "Medal [olimpijski] replika",
        ],
        "nl": [
            "Mok [Olympische Spelen] Parijs",
            "[Olympische Winterspelen] sjaal TeamNL",
            "Speldje [Olympische] ploeg",
        ],
        "el": [
            "Μπλουζάκι [Ολυμπιακοί Αγώνες] Παρίσι",
            "Καρφίτσα [Ολυμπιακών Αγώνων] 2004",
            "Κούπα [Ολυμπιακοί Αγώνες] Αθήνα",
        ],
        "ru": [
            "Значок [олимпийская] сборная России",
            "Футболка [Олимпийских игр] 2014",
            "Кружка [олимпийские] кольца сувенир",
            "Медаль [олимпийская] копия",
        ],
        "ar": [
            "قميص [الألعاب الأولمبية] باريس",
            "ميدالية [أولمبية] تذكارية",
            "وشاح الفريق [الأولمبي]",
        ],
        "es": [
            "Sudadera [Juegos Olímpicos de Invierno]",
            "Pin [JJOO] París 2024",
            "Bufanda selección [olímpica] española",
            "Réplica antorcha [olímpicas] llama",
        ],
        "it": [
            "Sciarpa [Olimpiadi invernali] 2026",
            "Spilla squadra [olimpica] italiana",
            "Cappellino [olimpici] Italia Team",
        ],
        "pt": ["Camisa [Jogos Olímpicos de Inverno]", "Bandeira time [olímpica] Brasil"],
        "de": [
            "Schal [Olympische Winterspiele] 2026",
            "Pin [Olympische Sommerspiele] Paris",
            "Trikot [olympisches] Team Deutschland",
        ],
        "ko": ["[올림픽 경기 대회] 기념 메달", "[올림픽] 국가대표 티셔츠"],
        "ja": ["[東京五輪] 公式 ピンバッジ", "[東京五輪] 記念 タオル"],
        "zh": ["[奥运] 纪念 徽章 套装", "[冬奧] 紀念 徽章"],
        "en": [
            "[Summer Olympics] 2024 Pin",
            "[Winter Olympics] Team Beanie",
            "[Summer Olympics] Souvenir Mug",
        ],
    },
    ("edition-paris-2024", "edition-variant"): {
        "it": [
            "Maglietta [Parigi 2024]",
            "Spilla ufficiale [Parigi 2024]",
            "Peluche mascotte [Parigi 2024]",
        ],
        "nl": ["Mok [Parijs 2024]", "Speldje [Parijs 2024]"],
        "pl": ["Koszulka [Paryż 2024]", "Maskotka [Paryż 2024]"],
        "ru": ["Значок [Париж 2024]", "Футболка [Париж 2024]"],
        "zh": ["[巴黎2024] 纪念徽章", "[巴黎奥运] 吉祥物 公仔", "[巴黎2024] 纪念T恤"],
        "ja": [
            "[パリ2024] ピンバッジ",
            "[パリ五輪] 公式 タオル",
            "[パリ2024] マスコット ぬいぐるみ",
        ],
        "ko": ["[파리 2024] 기념 배지", "[파리 2024] 마스코트 인형"],
        "ar": ["قميص [باريس 2024]", "دبوس [باريس 2024]"],
        "el": ["Μπλουζάκι [Παρίσι 2024]", "Καρφίτσα [Παρίσι 2024]"],
    },
    ("edition-la28", "edition-variant"): {
        "en": [
            "[Los Angeles 2028] Souvenir Pin",
            "[LA 28] Games Hoodie",
            "[Los Angeles 2028] Team Cap",
        ],
        "es": ["Gorra [Los Ángeles 2028]", "Pin [Los Ángeles 2028]"],
        "zh": ["[洛杉矶2028] 纪念徽章", "[洛杉矶奥运] T恤"],
        "ja": ["[ロサンゼルス2028] ピンバッジ", "[ロス五輪] Tシャツ"],
        "ko": ["[로스앤젤레스 2028] 기념 모자"],
        "ru": ["Значок [Лос-Анджелес 2028]"],
    },
    ("edition-milano-cortina-2026", "edition-variant"): {
        "en": [
            "[Milan Cortina 2026] Beanie",
            "[Milan-Cortina 2026] Pin Badge",
            "[Milan Cortina 2026] Mascot Plush",
        ],
        "de": ["Mütze [Mailand-Cortina 2026]", "Pin [Mailand Cortina 2026]"],
        "fr": ["Bonnet [Milan-Cortina 2026]", "Peluche mascotte [Milan-Cortina 2026]"],
        "es": ["Gorro [Milán Cortina 2026]", "Pin [Milán-Cortina 2026]"],
        "zh": ["[米兰冬奥会] 纪念徽章", "[米兰-科尔蒂纳2026] 吉祥物"],
        "ja": ["[ミラノ・コルティナ2026] ピンバッジ", "[ミラノ・コルティナ五輪] マフラー"],
        "ko": ["[밀라노 코르티나 2026] 기념 배지"],
        "ru": ["Шапка [Милан-Кортина 2026]"],
    },
    ("edition-tokyo-2020", "edition-variant"): {
        "de": ["Pin [Tokio 2020] Maskottchen", "T-Shirt [Tokio 2020]"],
        "es": ["Camiseta [Tokio 2020]", "Pin [Tokio 2020]"],
        "ru": ["Значок [Токио 2020]"],
        "zh": ["[东京2020] 纪念徽章", "[东京奥运] 纪念T恤"],
        "ko": ["[도쿄 2020] 기념 배지"],
        "pl": ["Koszulka [Tokio 2020]"],
    },
    ("edition-beijing-2022", "edition-variant"): {
        "fr": ["Peluche [Pékin 2022] mascotte", "Pin's [Pékin 2022]"],
        "de": ["Maskottchen [Peking 2022] Plüsch", "Pin [Peking 2022]"],
        "es": ["Peluche [Pekín 2022]"],
        "it": ["Peluche [Pechino 2022]"],
        "pt": ["Pelúcia [Pequim 2022]"],
        "ru": ["Значок [Пекин 2022]"],
        "zh": ["[北京冬奥] 纪念徽章", "[北京冬奥会] 纪念品 套装"],
        "ko": ["[베이징 2022] 기념 배지"],
    },
    ("edition-london-2012", "edition-variant"): {
        "fr": ["Pin's [Londres 2012]", "T-shirt [Londres 2012]"],
        "es": ["Camiseta [Londres 2012]", "Pin [Londres 2012]"],
        "it": ["Spilla [Londra 2012]"],
        "nl": ["Speldje [Londen 2012]"],
        "ru": ["Значок [Лондон 2012]"],
        "zh": ["[伦敦2012] 纪念徽章"],
        "ja": ["[ロンドン2012] ピンバッジ"],
    },
    ("edition-athens-2004", "edition-variant"): {
        "fr": ["Pin's [Athènes 2004]"],
        "de": ["Pin [Athen 2004]"],
        "es": ["Pin [Atenas 2004]"],
        "it": ["Spilla [Atene 2004]"],
        "el": ["Καρφίτσα [Αθήνα 2004]", "Μπλουζάκι [Αθήνα 2004]"],
        "ru": ["Значок [Афины 2004]"],
    },
    ("edition-sochi-2014", "edition-variant"): {
        "fr": ["Peluche [Sotchi 2014]"],
        "de": ["Maskottchen [Sotschi 2014]"],
        "ru": ["Значок [Сочи 2014]", "Талисман [Сочи 2014] мишка"],
        "zh": ["[索契2014] 纪念徽章"],
    },
    ("edition-moscow-1980", "edition-variant"): {
        "ru": ["Значок [Москва-80] мишка", "Марка [Олимпиада-80] СССР", "Вымпел [Москва 1980]"],
        "de": ["Anstecknadel [Moskau 1980]"],
        "fr": ["Pin's [Moscou 1980]"],
    },
    ("symbol-olympic-rings", "symbol-words"): {
        "en": [
            "[Olympic Ring] Necklace Gold",
            "[Five Ring Logo] Embroidered Hoodie",
            "[5 Olympic Rings] Car Sticker",
            "[Olympic Circles] Logo Keyring",
        ],
        "fr": ["Collier [anneau olympique]", "Sticker [5 anneaux] des Jeux"],
        "de": ["Kette [olympischer Ring]", "Aufkleber [5 Ringe] Spiele"],
        "es": ["Collar [aro olímpico]", "Pegatina [5 aros] Juegos"],
        "it": ["Adesivo [cerchi olimpici]", "Spilla [5 cerchi] Giochi"],
        "nl": ["Sticker [olympische ringen]", "Speldje [vijf ringen] Spelen"],
        "pl": ["Naklejka [koła olimpijskie]", "Przypinka [pięć kół] Igrzysk"],
        "pt": ["Adesivo [aros olímpicos]", "Pin [5 anéis] dos Jogos"],
        "ja": ["[オリンピックリング] ネックレス", "[五輪マーク] ステッカー"],
        "ko": ["[올림픽 링] 목걸이", "[오륜 마크] 스티커"],
        "ar": ["قلادة [الحلقات الأولمبية]", "ملصق [الحلقات الخمس] الأولمبية"],
    },
}

# Fourth round (issue 16): the symbol described in words, a development pool only. Written
# apart from the training items above (other phrasings, other languages: interlaced rings, the
# colours named in a row, "the symbol of the five rings"), each item only ever meets held-out
# frames, drawn with its own seed (``symbol_dev_rows``) so that every other row is as it was.
SYMBOL_DEV_ITEMS: dict[str, list[str]] = {
    "en": [
        "[Five Interlinked Rings] Enamel Badge",
        "[Blue, Yellow, Black, Green and Red Rings] Flag 90x150",
        "Car Decal [Five Linked Rings] Symbol",
        "[Five Circles Logo] Embroidered Cap",
        "T-Shirt with the [Five Rings of the Games]",
        "[Red Green Black Yellow Blue Rings] Banner",
        "[Interlaced Rings] Games Emblem Pendant",
    ],
    "fr": [
        "Drapeau [anneaux bleu jaune noir vert rouge]",
        "Broche [cinq anneaux de couleur]",
        "Autocollant [anneaux entrelacés] des Jeux",
        "Médaille [symbole aux cinq anneaux]",
    ],
    "de": [
        "Flagge [fünf ineinander verschlungene Ringe]",
        "Anstecknadel [Ringe in Blau, Gelb, Schwarz, Grün und Rot]",
        "Tasse [fünf farbige Ringe] Symbol",
        "Sticker [verschlungene Ringe] der Spiele",
    ],
    "es": [
        "Bandera [cinco anillos entrelazados]",
        "Taza [aros azul amarillo negro verde rojo]",
        "Llavero [símbolo de los cinco anillos]",
    ],
    "pt": [
        "Bandeira [cinco anéis entrelaçados]",
        "Caneca [anéis azul, amarelo, preto, verde e vermelho]",
        "Chaveiro [símbolo dos cinco aros]",
    ],
    "it": [
        "Bandiera [cinque cerchi intrecciati]",
        "Tazza [anelli blu giallo nero verde rosso]",
        "Portachiavi [simbolo dei cinque cerchi]",
    ],
    "nl": ["Vlag [vijf verstrengelde ringen]", "Mok [ringen blauw geel zwart groen rood]"],
    "pl": [
        "Flaga [pięć splecionych kół]",
        "Kubek [koła niebieskie żółte czarne zielone czerwone]",
    ],
    "ru": [
        "Флаг [пять олимпийских колец]",
        "Кружка [синее, жёлтое, чёрное, зелёное и красное кольца]",
        "Брелок [пять сплетённых колец]",
    ],
    "zh": ["[五个相扣的圆环]图案 T恤", "[蓝黄黑绿红五环]旗帜", "[五色圆环]标志 贴纸"],
    "ja": ["[五つの輪]マーク ピンバッジ", "[五輪のシンボル] キーホルダー"],
    "ko": ["[다섯 개의 고리] 엠블럼 배지", "[오색 고리] 로고 스티커"],
    "ar": ["علم [الحلقات الخمس المتشابكة]", "كوب [خمس حلقات ملونة]"],
    "el": ["Σημαία [πέντε κύκλοι] Αγώνων", "Κονκάρδα [ολυμπιακοί κύκλοι]"],
}
SYMBOL_DEV_ROWS_PER_ITEM = 3


def symbol_dev_rows() -> list[Row]:
    """The fourth round's development rows of the symbol described in words: each item in
    ``SYMBOL_DEV_ITEMS`` dropped into held-out frames, every choice drawn from the item's own
    seed (no draw of the shared generator is used, so no other row changes)."""
    rows: list[Row] = []
    for lang, items in SYMBOL_DEV_ITEMS.items():
        frames = [f for f in range(len(FRAMES[lang])) if frame_split(f) == "dev"]
        for item in items:
            own = random.Random(f"symbol-dev|{lang}|{item}")
            for _ in range(SYMBOL_DEV_ROWS_PER_ITEM):
                frame_no = own.choice(frames)
                text = _fill(FRAMES[lang][frame_no], _BRACKET.sub(r"\1", item), lang, own)
                rows.append(
                    Row(
                        text,
                        "symbol-olympic-rings",
                        "olympic",
                        lang,
                        "symbol-words",
                        f"{lang}-{frame_no}",
                        "dev",
                    )
                )
    return rows


OTHER_MORE: dict[tuple[str, str], dict[str, list[str]]] = {
    ("word-olympia", "brand"): {
        "en": [
            "[Olympus] TG-6 Tough Camera Red",
            "[Olympia] Typewriter Carrying Case",
            "[Olympus] WS-853 Voice Recorder",
            "[Olympia] Tile Porcelain Floor 12x24",
            "[Olympus] Stylus Epic Film Camera",
            "[Olympia] Luggage Rolling Duffel 22 inch",
            "[Olympea] Eau de Parfum 80ml",
            "[Olympia] Provisions Salami Chorizo",
            "[Olympus] Endoscope Light Source",
            "[Olympia] Beer Tin Sign Vintage",
            "[Olympus] PT-059 Underwater Housing",
            "[Olympia] Gaming Chair Ergonomic",
            "[Olympus] LS-P5 Audio Recorder",
            "[Olympia] Cash Register CM 941",
            "[Olympus] M.Zuiko 45mm f/1.8 Lens",
        ],
        "de": [
            "[Olympia] Kassensystem CM 962",
            "[Olympia] Tischrechner mit Druckwerk",
            "[Olympus] Objektiv 40-150mm",
            "[Olympia] Türsprechanlage",
            "[Olympia] Laminiergerät A4",
            "[Olympus] Diktiergerät DS-9500",
        ],
        "fr": [
            "Objectif [Olympus] M.Zuiko 12-40",
            "Broyeuse [Olympia] coupe croisée",
            "Parfum [Olympéa] Paco Rabanne 50 ml",
        ],
        "es": [
            "Objetivo [Olympus] 14-150 mm",
            "Calculadora [Olympia] con impresora",
            "Perfume [Olympéa] mujer 80 ml",
        ],
        "it": [
            "Condizionatore [Olimpia] Splendid portatile",
            "Obiettivo [Olympus] 12-45 mm",
            "Deumidificatore [Olimpia] Splendid",
        ],
        "pl": ["Obiektyw [Olympus] 25 mm", "Niszczarka [Olympia] dokumentów"],
        "ja": [
            "[オリンパス] 顕微鏡 CX23",
            "[オリンパス] デジタル一眼 レンズ",
            "[オリンパス] 内視鏡 部品",
        ],
        "zh": ["[奥林巴斯] 镜头 12-40mm", "[奥林巴斯] 显微镜 CX23"],
        "ru": ["Объектив [Olympus] 14-42 мм", "Калькулятор [Olympia] настольный"],
    },
    ("word-olympic", "brand"): {
        "en": [
            "[Olympic] Paint Elite Woodland Oil Stain",
            "[Olympic] Eyewear Polarized Sunglasses",
            "[Olympic] Steel Sheet Metal 16 Gauge",
            "[Olympic] Cascade Tent 4 Person",
            "[Olympian] Labs Collagen Peptides",
            "[Olympic] Trails Mountain Bike Helmet",
            "[Olympic] Mountain Coffee Whole Bean",
            "[Olympian] Labs Keto Protein Powder",
            "[Olympic] Provisions Greek Yogurt",
            "[Olympic] Kitchen Mixer Bowl Replacement",
            "[Olympic] Fence Post Caps Pack of 10",
            "[Olympic] Tools Socket Wrench Set",
        ],
        "pl": [
            "Suplement [Olimp] Chela-Mag B6",
            "Białko [Olimp] Whey Protein Complex",
            "Witaminy [Olimp] Gold-Vit C",
        ],
        "de": ["[Olimp] Whey Protein Complex 700 g", "[Olympic] Ersatzteile Nähmaschine"],
        "ru": ["Витамины [Olimp] Chela-Mag", "Протеин [Olimp] Whey 2 кг"],
        "es": ["Proteína [Olimp] Whey 700 g", "Vitaminas [Olimp] Chela-Mag B6"],
        "ja": ["[オリンピック] ホームセンター 収納ケース"],
    },
    ("symbol-olympic-rings", "rings-generic"): {
        "en": [
            "[Five Ring] Binder Clips",
            "[5 Ring] Stacking Toy Baby",
            "Gymnastic [Ring] Straps Set",
            "[Five Ring] Burner Gas Stove",
            "[5 Ring] Pop-Up Play Tent",
            "[Five Ring] Key Holder Steel",
        ],
        "fr": ["Classeur [5 anneaux] A4", "Jeu de lancer [5 anneaux] enfants"],
        "de": ["Ordner [5 Ringe] A4", "Ringwurfspiel [5 Ringe] Holz"],
        "es": ["Carpeta [5 anillas] A4", "Juego de lanzar [5 aros] infantil"],
        "nl": ["Multomap [vijf ringen] A4"],
    },
    ("word-olympic", "lifting"): {
        "pl": ["Sztanga [olimpijska] 20 kg", "Talerze [olimpijskie] 50 mm gumowane"],
        "ru": ["Штанга [олимпийская] 20 кг", "Блины [олимпийские] 50 мм"],
        "it": ["Bilanciere [olimpica] 20 kg", "Dischi [olimpici] bumper"],
        "es": ["Barra [olímpica] 15 kg mujer", "Discos [olímpicos] de hierro 10 kg"],
    },
    ("word-olympic", "pool"): {
        "pl": ["Pokrywa na basen [olimpijski]"],
        "ru": ["Бассейн [олимпийский] абонемент"],
    },
}


def _merge(into: dict, more: dict) -> None:
    for key, by_lang in more.items():
        for lang, items in by_lang.items():
            into.setdefault(key, {}).setdefault(lang, []).extend(items)


_merge(OLYMPIC_NAMED, OLYMPIC_NAMED_MORE)
_merge(OTHER, OTHER_MORE)


EVASION_KINDS = (
    "spaced",
    "separator",
    "leet",
    "homoglyph",
    "multi-letter",
    "glued",
    "hashtag",
    "mixed-case",
    "misspelling",
)

# --- frames: lang -> title shapes. {i} item, {a} attribute, {s} seller word, {x} extra,
# {p} price, {d} a short description

FRAMES: dict[str, list[str]] = {
    "en": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{a} {i}, {x}",
        "{i} | {x}",
        "New {i} ({a})",
        "{i} {a} {x}",
        "{s} {i}",
        "{i} - {x} - {a}",
        "[{s}] {i} {a}",
        "Genuine {i}, {a}, {x}",
        "{i} for Sale {a}",
        "{i} {p}",
        "{i} | {d}",
        "{a} - {i} - {p}",
        "Lot: {i} ({a}) | {d}",
    ],
    "fr": [
        "{i}",
        "{i} {a}",
        "{s} - {i} {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Neuf : {i} ({a})",
        "{a} {i}",
        "{i} - {a} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "Lot {i} {a} {p}",
        "{s} : {i} | {d}",
    ],
    "de": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{i}, {x}",
        "{i} | {x}",
        "NEU {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "{i} {a} {p} {s}",
        "Konvolut {i} | {d}",
    ],
    "es": [
        "{i}",
        "{i} {a}",
        "{s} - {i} {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Nuevo {i} ({a})",
        "{a} {i}",
        "{i} - {x} - {a}",
        "{i} {p}",
        "{i} | {d}",
        "Lote {i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "pt": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Novo {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "Kit {i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "it": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Nuovo {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "Lotto {i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "ru": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Новый {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "{i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "pl": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Nowy {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "{i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "nl": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Nieuw {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "{i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "el": [
        "{i}",
        "{i} {a}",
        "{s} {i} - {a}",
        "{i}, {x}",
        "{i} | {x}",
        "Καινούργιο {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "{i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "ar": [
        "{i}",
        "{i} {a}",
        "{s} - {i} {a}",
        "{i}، {x}",
        "{i} | {x}",
        "جديد {i} ({a})",
        "{a} {i}",
        "{i} - {x}",
        "{i} {p}",
        "{i} | {d}",
        "{i} {a} {p}",
        "{s}: {i} | {d}",
    ],
    "zh": [
        "{i}",
        "{i} {a}",
        "【{s}】{i} {a}",
        "{i} {x}",
        "{i} | {x}",
        "新款 {i}（{a}）",
        "{a} {i}",
        "{s} {i} {x}",
        "{i} {p}",
        "{i} | {d}",
        "{s}{i}{a}",
        "{i} {a} {p} | {d}",
    ],
    "ja": [
        "{i}",
        "{i} {a}",
        "【{s}】{i} {a}",
        "{i} {x}",
        "{i} | {x}",
        "新品 {i}（{a}）",
        "{a} {i}",
        "{s} {i} {x}",
        "{i} {p}",
        "{i} | {d}",
        "{s}★{i}★{a}",
        "{i} {a} {p} | {d}",
    ],
    "ko": [
        "{i}",
        "{i} {a}",
        "[{s}] {i} {a}",
        "{i} {x}",
        "{i} | {x}",
        "새상품 {i} ({a})",
        "{a} {i}",
        "{s} {i} {x}",
        "{i} {p}",
        "{i} | {d}",
        "{s} {i} {a} {p}",
        "{i} {a} | {d}",
    ],
}

PRICE: dict[str, list[str]] = {
    "en": ["$19.99", "£24.50", "$7", "£120", "$349.00"],
    "fr": ["19,99 €", "45 €", "7,50 €", "120 €"],
    "de": ["19,99 €", "45 EUR", "7,50 €", "VB 120 €"],
    "es": ["19,99 €", "45 €", "$1.299 MXN", "120 €"],
    "pt": ["R$ 89,90", "R$ 25", "19,99 €"],
    "it": ["19,99 €", "45 €", "120 €"],
    "ru": ["990 руб.", "1 490 ₽", "250 ₽"],
    "pl": ["49,99 zł", "120 zł"],
    "nl": ["€ 19,95", "€ 45"],
    "el": ["19,99 €", "45 €"],
    "ar": ["99 ر.س", "250 د.إ"],
    "zh": ["¥39", "￥128", "¥9.9"],
    "ja": ["¥1,980", "2,500円", "980円"],
    "ko": ["19,900원", "45,000원"],
}

DESC: dict[str, list[str]] = {
    "en": [
        "Please see photos for condition",
        "Ships within 24 hours from our warehouse",
        "Smoke-free home, combined postage available",
        "Brand new in original packaging",
    ],
    "fr": ["Voir photos pour l'état", "Expédié sous 24 h", "Neuf dans son emballage d'origine"],
    "de": [
        "Zustand siehe Fotos",
        "Versand innerhalb von 24 Stunden",
        "Privatverkauf, keine Rücknahme",
    ],
    "es": ["Ver fotos para el estado", "Envío en 24 horas", "Nuevo en su embalaje original"],
    "pt": ["Ver fotos para o estado", "Envio em 24 horas", "Novo na embalagem original"],
    "it": ["Vedi foto per le condizioni", "Spedizione in 24 ore"],
    "ru": ["Состояние на фото", "Отправка в течение 24 часов", "Новый в упаковке"],
    "pl": ["Stan na zdjęciach", "Wysyłka w 24 godziny"],
    "nl": ["Staat zie foto's", "Binnen 24 uur verzonden"],
    "el": ["Δείτε τις φωτογραφίες", "Αποστολή σε 24 ώρες"],
    "ar": ["انظر الصور لمعرفة الحالة", "الشحن خلال 24 ساعة"],
    "zh": ["实物拍摄 请看图", "24小时内发货", "全新未拆封"],
    "ja": ["状態は写真をご確認ください", "24時間以内に発送", "新品未開封"],
    "ko": ["상태는 사진 참고", "24시간 내 발송"],
}

SELLER: dict[str, list[str]] = {
    "en": [
        "FitPro",
        "Top Seller",
        "UK Stock",
        "Free P&P",
        "HomeGym",
        "Bargain",
        "Brand New",
        "USA Seller",
    ],
    "fr": ["Livraison gratuite", "Neuf", "Destockage", "Stock France", "Promo"],
    "de": ["Versand kostenlos", "Neuware", "Restposten", "Händler", "Top Angebot"],
    "es": ["Envío gratis", "Nuevo", "Oferta", "Stock España", "Liquidación"],
    "pt": ["Frete grátis", "Novo", "Promoção", "Pronta entrega"],
    "it": ["Spedizione gratuita", "Nuovo", "Offerta", "Disponibile"],
    "ru": ["Бесплатная доставка", "Новинка", "Распродажа", "В наличии"],
    "pl": ["Darmowa wysyłka", "Nowość", "Wyprzedaż"],
    "nl": ["Gratis verzending", "Nieuw", "Uitverkoop"],
    "el": ["Δωρεάν αποστολή", "Προσφορά"],
    "zh": ["包邮", "正品", "现货", "热卖", "官方店"],
    "ja": ["送料無料", "新品", "即納", "限定"],
    "ko": ["무료배송", "정품", "특가"],
    "ar": ["شحن مجاني", "جديد", "عرض خاص"],
}

ATTR: dict[str, list[str]] = {
    "en": [
        "Black",
        "2-Pack",
        "Large",
        "Vintage",
        "1990s",
        "Blue",
        "Set of 4",
        "Used",
        "XL",
        "Mint",
    ],
    "fr": ["Noir", "Lot de 2", "Taille L", "Vintage", "Bleu", "Occasion", "Édition 2023"],
    "de": ["Schwarz", "2er Set", "Größe L", "Vintage", "Blau", "Gebraucht", "Neu OVP"],
    "es": ["Negro", "Pack de 2", "Talla L", "Vintage", "Azul", "Usado", "Edición 2023"],
    "pt": ["Preto", "Kit com 2", "Tamanho G", "Vintage", "Azul", "Usado"],
    "it": ["Nero", "Set da 2", "Taglia L", "Vintage", "Blu", "Usato"],
    "ru": ["Черный", "Набор 2 шт", "Размер L", "Винтаж", "Синий", "Б/у"],
    "pl": ["Czarny", "Zestaw 2 szt", "Rozmiar L", "Używany"],
    "nl": ["Zwart", "Set van 2", "Maat L", "Gebruikt"],
    "el": ["Μαύρο", "Σετ 2", "Μεταχειρισμένο"],
    "zh": ["黑色", "2件套", "大号", "复古", "蓝色", "二手"],
    "ja": ["ブラック", "2個セット", "Lサイズ", "ヴィンテージ", "中古"],
    "ko": ["블랙", "2개 세트", "L 사이즈", "중고"],
    "ar": ["أسود", "طقم 2", "مقاس كبير", "مستعمل"],
}

EXTRA: dict[str, list[str]] = {
    "en": ["Fast Shipping", "Gift Idea", "Great Condition", "Ships Worldwide", "30-Day Returns"],
    "fr": ["Expédition rapide", "Idée cadeau", "Très bon état", "Retour 30 jours"],
    "de": ["Schneller Versand", "Geschenkidee", "Sehr guter Zustand", "Rechnung mit MwSt"],
    "es": ["Envío rápido", "Idea regalo", "Muy buen estado", "Devolución 30 días"],
    "pt": ["Envio rápido", "Ideia de presente", "Ótimo estado"],
    "it": ["Spedizione veloce", "Idea regalo", "Ottime condizioni"],
    "ru": ["Быстрая доставка", "Подарок", "Отличное состояние"],
    "pl": ["Szybka wysyłka", "Pomysł na prezent"],
    "nl": ["Snelle levering", "Cadeau-idee"],
    "el": ["Γρήγορη αποστολή", "Ιδέα για δώρο"],
    "zh": ["顺丰发货", "送礼佳品", "七天无理由退换"],
    "ja": ["即日発送", "ギフトに", "美品"],
    "ko": ["당일발송", "선물용"],
    "ar": ["توصيل سريع", "فكرة هدية"],
}

# --- evasions, applied to the bracketed word of an Olympic item --------------------------------

_LEET = {"o": "0", "O": "0", "i": "1", "I": "1", "a": "4", "A": "4", "e": "3", "E": "3", "s": "5"}
_HOMO = {"O": "О", "o": "о", "a": "а", "e": "е", "p": "р", "c": "с", "y": "у", "i": "і", "P": "Р"}
_MULTI = (("m", "rn"), ("d", "cl"), ("w", "vv"), ("l", "I"), ("i", "l"))
_SEPS = ("*", "_", "·", "-", ".", " . ", "/")
_MISSPELL = (("y", "i"), ("c", "k"), ("mp", "mb"), ("pi", "ip"), ("ic", "ik"))
_GLUE = ("official{w}Merch", "{w}Shop", "my{w}Store", "{w}Fans", "best{w}Gear")
_TAGS = ("#Team{w}Shop", "#{w}", "#{w}2024", "#Go{w}")


def _is_cjk(word: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" for ch in word)


def evade(word: str, kind: str, rng: random.Random) -> str | None:
    """The word written with one evasion, or None when the evasion does not apply to it."""
    cjk = _is_cjk(word)
    if kind == "spaced":
        return " ".join(word.replace(" ", ""))
    if kind == "separator":
        sep = rng.choice(_SEPS)
        return sep.join(word.replace(" ", ""))
    if cjk:
        return None  # the other evasions below are Latin-script ones
    if kind == "leet":
        chars = [(_LEET.get(c, c) if rng.random() < 0.6 else c) for c in word]
        out = "".join(chars)
        return out if out != word else None
    if kind == "homoglyph":
        idx = [n for n, c in enumerate(word) if c in _HOMO]
        if not idx:
            return None
        chars = list(word)
        for n in rng.sample(idx, k=min(len(idx), rng.randint(1, 2))):
            chars[n] = _HOMO[chars[n]]
        return "".join(chars)
    if kind == "multi-letter":
        options = [(a, b) for a, b in _MULTI if a in word]
        if not options:
            return None
        a, b = rng.choice(options)
        return word.replace(a, b, 1)
    if kind == "glued":
        return rng.choice(_GLUE).format(w=word.replace(" ", ""))
    if kind == "hashtag":
        return rng.choice(_TAGS).format(w=word.replace(" ", ""))
    if kind == "mixed-case":
        out = "".join(c.upper() if n % 2 else c.lower() for n, c in enumerate(word))
        return out if out != word else word.upper()
    if kind == "misspelling":
        options = [(a, b) for a, b in _MISSPELL if a in word.lower()]
        if not options:
            return None
        a, b = rng.choice(options)
        low = word.lower()
        at = low.index(a)
        out = word[:at] + b + word[at + len(a) :]
        return out[0].upper() + out[1:] if word[:1].isupper() else out
    raise ValueError(f"unknown evasion {kind!r}")


_ACCENTS = {
    "o": "óöôò",
    "O": "ÓÖÔ",
    "y": "ÿý",
    "i": "íïî",
    "a": "áàä",
    "e": "éèë",
    "u": "üú",
    "c": "ç",
}
DIACRITICS_SHARE = 0.2


def _diacritics(word: str, rng: random.Random) -> str:
    """The word with one to three letters given diacritics it never carries (Olÿmpic)."""
    idx = [n for n, c in enumerate(word) if c in _ACCENTS]
    chars = list(word)
    for n in rng.sample(idx, k=min(len(idx), rng.randint(1, 3))):
        chars[n] = rng.choice(_ACCENTS[chars[n]])
    return "".join(chars)


_BRACKET = re.compile(r"\[([^\]]+)\]")


def _fill(frame: str, item: str, lang: str, rng: random.Random) -> str:
    text = frame.format(
        i=item,
        a=rng.choice(ATTR[lang]),
        s=rng.choice(SELLER[lang]),
        x=rng.choice(EXTRA[lang]),
        p=rng.choice(PRICE[lang]),
        d=rng.choice(DESC[lang]),
    )
    return re.sub(r"\s{2,}", " ", text).strip()


def _split_of(index: int, size: int) -> str:
    if size >= DEV_ITEM_EVERY and index % DEV_ITEM_EVERY == DEV_ITEM_EVERY - 1:
        return "dev"
    return "train"


def frame_split(number: int) -> str:
    return "dev" if number % DEV_FRAME_EVERY == DEV_FRAME_EVERY - 1 else "train"


def _draw(
    items: list[str], lang: str, n: int, rng: random.Random
) -> Iterator[tuple[str, int, str]]:
    """n (item, frame number, split) draws, the items used in turn. A held-out item only ever
    meets held-out frames and a training item only training frames, so a dev row shares neither
    its item phrase nor its title shape with any training row."""
    frames = FRAMES[lang]
    by_split = {
        split: [f for f in range(len(frames)) if frame_split(f) == split]
        for split in ("train", "dev")
    }
    for k in range(n):
        idx = k % len(items)
        split = _split_of(idx, len(items))
        yield items[idx], rng.choice(by_split[split]), split


def _olympic_row(
    mark: str, item: str, lang: str, frame_no: int, split: str, rng: random.Random
) -> Row:
    """An Olympic title: the bracketed word written plainly or, mostly, with one evasion."""
    kind = "plain"
    word = _BRACKET.search(item)
    if word is None:
        raise ValueError(f"no [mark word] in {item!r}")
    written = word.group(1)
    if rng.random() < EVASION_SHARE:
        evasion = rng.choice(EVASION_KINDS)
        evaded = evade(written, evasion, rng)
        if evaded is not None:
            written, kind = evaded, evasion
    elif not _is_cjk(written) and written.isascii():
        # third round: diacritics where the word has none (Ólÿmpïc), one plain title in five,
        # drawn apart so that the other rows stay as they were
        own = random.Random(f"diacritics|{lang}|{frame_no}|{item}|{written}")
        if own.random() < DIACRITICS_SHARE:
            written, kind = _diacritics(written, own), "diacritics"
    filled = item[: word.start()] + written + item[word.end() :]
    text = _fill(FRAMES[lang][frame_no], _BRACKET.sub(r"\1", filled), lang, rng)
    return Row(text, mark, "olympic", lang, kind, f"{lang}-{frame_no}", split)


def generate(seed: int = SEED) -> list[Row]:
    rng = random.Random(seed)
    rows: list[Row] = []
    for (mark, kind), by_lang in OTHER.items():
        for lang, items in by_lang.items():
            n = max(ROWS_PER_KIND_LANG // 4, min(ROWS_PER_KIND_LANG, 8 * len(items)))
            for item, frame_no, split in _draw(items, lang, n, rng):
                plain = _BRACKET.sub(r"\1", item)
                text = _fill(FRAMES[lang][frame_no], plain, lang, rng)
                rows.append(Row(text, mark, "other", lang, kind, f"{lang}-{frame_no}", split))
    for mark, by_lang in OLYMPIC.items():
        for lang, items in by_lang.items():
            n = min(ROWS_PER_KIND_LANG * 5 // 2, 16 * len(items))
            for item, frame_no, split in _draw(items, lang, n, rng):
                rows.append(_olympic_row(mark, item, lang, frame_no, split, rng))
    for lang in MERCH_HEADS:
        frames = FRAMES[lang]
        for mark, item, split in merch_items(lang):
            choices = [f for f in range(len(frames)) if frame_split(f) == split]
            for _ in range(MERCH_ROWS_PER_ITEM):
                rows.append(_olympic_row(mark, item, lang, rng.choice(choices), split, rng))
    for lang in LOOKALIKE_FORMS:
        frames = FRAMES[lang]
        for mark, kind, item, split in lookalike_merch_items(lang):
            choices = [f for f in range(len(frames)) if frame_split(f) == split]
            for _ in range(LOOKALIKE_MERCH_ROWS_PER_ITEM):
                frame_no = rng.choice(choices)
                text = _fill(frames[frame_no], _BRACKET.sub(r"\1", item), lang, rng)
                rows.append(Row(text, mark, "other", lang, kind, f"{lang}-{frame_no}", split))
    for (mark, kind), by_lang in OLYMPIC_NAMED.items():
        for lang, items in by_lang.items():
            n = max(ROWS_PER_KIND_LANG // 4, min(ROWS_PER_KIND_LANG, 8 * len(items)))
            for item, frame_no, split in _draw(items, lang, n, rng):
                plain = _BRACKET.sub(r"\1", item)
                text = _fill(FRAMES[lang][frame_no], plain, lang, rng)
                rows.append(Row(text, mark, "olympic", lang, kind, f"{lang}-{frame_no}", split))
    rows.extend(symbol_dev_rows())
    return rows


if __name__ == "__main__":
    from collections import Counter

    out = generate()
    print(len(out), Counter((r.label, r.kind) for r in out).most_common())
