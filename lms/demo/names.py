"""Realistic Chinese personal names for the demo staff, deterministic per seed.

Surnames are drawn with their share of the population (approximate shares
from the 2020 census surname ranking: the first twenty cover about half of
the population); given names are one or two characters drawn from common
name characters, with separate pools for men and women and a shared pool.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from itertools import accumulate

# Surname: approximate share of the population, in per mille.
SURNAMES: dict[str, float] = {
    "王": 71.2,
    "李": 70.0,
    "张": 67.4,
    "刘": 51.0,
    "陈": 46.1,
    "杨": 32.2,
    "黄": 24.5,
    "赵": 21.9,
    "吴": 20.5,
    "周": 19.1,
    "徐": 16.0,
    "孙": 15.1,
    "马": 14.7,
    "胡": 13.1,
    "朱": 12.6,
    "郭": 12.5,
    "何": 12.0,
    "罗": 10.2,
    "高": 10.0,
    "林": 9.7,
    "郑": 9.2,
    "梁": 8.8,
    "谢": 8.6,
    "宋": 8.1,
    "唐": 7.9,
    "许": 7.5,
    "韩": 7.2,
    "邓": 7.0,
    "冯": 6.9,
    "曹": 6.7,
    "彭": 6.4,
    "曾": 6.3,
    "肖": 6.1,
    "田": 5.9,
    "董": 5.7,
    "潘": 5.5,
    "袁": 5.4,
    "蔡": 5.2,
    "蒋": 5.1,
    "余": 5.0,
    "于": 4.9,
    "杜": 4.8,
    "叶": 4.7,
    "程": 4.6,
    "魏": 4.5,
    "苏": 4.4,
    "吕": 4.3,
    "丁": 4.2,
    "任": 4.1,
    "卢": 4.0,
    "姚": 3.9,
    "沈": 3.8,
    "钟": 3.7,
    "姜": 3.6,
    "崔": 3.5,
    "谭": 3.4,
    "陆": 3.3,
    "范": 3.2,
    "汪": 3.1,
    "廖": 3.0,
    "石": 3.0,
    "金": 2.9,
    "韦": 2.8,
    "贾": 2.8,
    "夏": 2.7,
    "付": 2.6,
    "方": 2.5,
    "邹": 2.5,
    "熊": 2.4,
    "白": 2.4,
    "孟": 2.3,
    "秦": 2.3,
    "邱": 2.2,
    "侯": 2.2,
    "江": 2.1,
    "尹": 2.1,
    "薛": 2.0,
    "闫": 2.0,
    "段": 1.9,
    "雷": 1.9,
    "龙": 1.8,
    "黎": 1.8,
    "史": 1.7,
    "陶": 1.7,
    "贺": 1.6,
    "毛": 1.6,
    "郝": 1.5,
    "顾": 1.5,
    "龚": 1.4,
    "邵": 1.4,
    "万": 1.3,
    "覃": 1.3,
    "武": 1.3,
    "钱": 1.2,
    "戴": 1.2,
    "严": 1.1,
    "莫": 1.1,
    "孔": 1.0,
    "向": 1.0,
    "常": 1.0,
    "汤": 0.9,
    "欧阳": 0.3,
    "司马": 0.05,
    "上官": 0.05,
    "诸葛": 0.05,
}

# Characters common in given names.
MALE_CHARS = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全"
    "国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和"
    "彪博诚先敬震振壮思群豪承乐绍功松善厚庆磊民裕哲江超浩亮政谦奇翰朗伯宏"
    "鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士建家树德泰盛雄琛钧冠腾楠榕风航弘"
)
FEMALE_CHARS = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲"
    "雪荣爱霞香月媛艳瑞佳嘉琼珍贞莉桂璐娅琦晶妍茜秋珊莎锦青倩婷婉娴瑾颖露"
    "瑶怡蓓仪荷丹蓉君琴蕊薇菁梦岚婕馨韵咏澜纯悦琬茗希宁欣滢筠柔凝晓芸菲舒"
    "丽妮娇灵琪晴"
)
SHARED_CHARS = "文明晓小建国立新海金玉春天永子思嘉一宇雨晨"

TWO_CHAR_SHARE = 0.82  # the rest have a one-character given name


class NameGenerator:
    """Draws full names (surname + given name) from a seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._surnames = list(SURNAMES)
        self._cum_weights = list(accumulate(SURNAMES.values()))
        self._pools = (MALE_CHARS + SHARED_CHARS, FEMALE_CHARS + SHARED_CHARS)

    def surname(self) -> str:
        return self._rng.choices(self._surnames, cum_weights=self._cum_weights)[0]

    def given_name(self) -> str:
        rng = self._rng
        pool = rng.choice(self._pools)
        if rng.random() < TWO_CHAR_SHARE:
            first, second = rng.choice(pool), rng.choice(pool)
            # A doubled character (婷婷, 明明) is fine; keep it occasional.
            if first == second and rng.random() < 0.7:
                second = rng.choice(pool)
            return first + second
        return rng.choice(pool)

    def name(self) -> str:
        return self.surname() + self.given_name()

    def __iter__(self) -> Iterator[str]:
        while True:
            yield self.name()


def names_generate(*, count: int, seed: int) -> list[str]:
    """``count`` names, the same ones for the same seed."""
    generator = NameGenerator(random.Random(seed))
    return [generator.name() for _ in range(count)]
