"""The shape of a generated province: its orgs, their people and their panels (deterministic).

Each org's own numbers (how many children, how strong it is) come from a random generator
seeded with the org's code, never from its place in the province, so a city looks the same in
the full province and in a smaller store made of its first cities (the time-travel comparison
relies on that).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from application.principal import Principal
from application.usecases.directory import ANY_ORG

PROVINCE = ("sx", "山西省")
# The eleven prefecture-level cities and (about) their number of county-level units.
CITIES: tuple[tuple[str, str, int], ...] = (
    ("ty", "太原市", 10), ("dt", "大同市", 10), ("yq", "阳泉市", 5), ("cz", "长治市", 12),
    ("jc", "晋城市", 6), ("sz", "朔州市", 6), ("jz", "晋中市", 11), ("yc", "运城市", 13),
    ("xz", "忻州市", 14), ("lf", "临汾市", 17), ("ll", "吕梁市", 13),
)
TOWNSHIPS_PER_COUNTY = (8, 16)  # inclusive range, mean 12: ~1,400 townships in the province
PANEL_SIZE = 20
SYSTEM = Principal("system", "系统", None, (("admin", ANY_ORG),))

_SYLLABLES = (
    "安平和兴宁泰昌盛丰源清河山阳城新东西南北中广永福康乐华德宝金石龙凤云林水溪桥岭沟坪"
)
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_GIVEN = "建国志强伟洋明帆磊勇杰刚华军平红霞敏静丽艳芳超波辉鹏宇浩然文博晓东海峰"


def rng(*parts: str) -> random.Random:
    """A generator seeded by a stable hash of `parts` (Python's hash() is salted per process)."""
    seed = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def _place_name(r: random.Random, suffix: str) -> str:
    return r.choice(_SYLLABLES) + r.choice(_SYLLABLES) + suffix


def person_name(r: random.Random) -> str:
    return r.choice(_SURNAMES) + "".join(r.choice(_GIVEN) for _ in range(r.randint(1, 2)))


@dataclass
class Org:
    code: str
    name: str
    level: str
    parent: Org | None = None
    children: list[Org] = field(default_factory=list)
    strength: float = 0.5  # drives ratings and scores

    @property
    def secretary_account(self) -> str:
        return f"{self.code}-sj"

    @property
    def organizer_account(self) -> str:
        return f"{self.code}-zzb"

    @property
    def inspector_account(self) -> str:
        return f"{self.code}-jw"

    def panel(self) -> list[str]:
        return [f"{self.code}-pw{n:02d}" for n in range(1, PANEL_SIZE + 1)]

    def secretary(self) -> Principal:
        return Principal(self.secretary_account, f"{self.name}书记", self.code,
                         (("secretary", self.code),))

    def organizer(self) -> Principal:
        return Principal(self.organizer_account, f"{self.name}委组织部", self.code,
                         (("organizer", self.code),))

    def reviewer(self, account_id: str) -> Principal:
        return Principal(account_id, f"评议代表{account_id[-2:]}", self.code, ())

    def walk(self) -> list[Org]:
        """This org and everything below it, parents before children."""
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found


def _child(parent: Org, code: str, name: str, level: str) -> Org:
    org = Org(code, name, level, parent, strength=rng("strength", code).random())
    parent.children.append(org)
    return org


def province(cities: int = len(CITIES), tiny: bool = False) -> Org:
    """The province with its first `cities` cities, their counties and townships; `tiny` keeps
    two counties per city and three townships per county (tests)."""
    root = Org(*PROVINCE, "province")
    for city_code, city_name, counties in CITIES[:cities]:
        city = _child(root, city_code, city_name, "city")
        for n in range(1, (2 if tiny else counties) + 1):
            code = f"{city_code}-{n:02d}"
            r = rng("county", code)
            county = _child(city, code, _place_name(r, r.choice("县县县区市")), "county")
            townships = r.randint(*TOWNSHIPS_PER_COUNTY)
            for m in range(1, (3 if tiny else townships) + 1):
                t = rng("township", code, str(m))
                _child(county, f"{code}-{m:02d}", _place_name(t, t.choice("镇镇乡")), "township")
    return root


def organizers(root: Org) -> list[Org]:
    """Every org that runs a cycle (it has subordinates), province first."""
    return [org for org in root.walk() if org.children]
