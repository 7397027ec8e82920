"""Word lists for the risk stage: what the district's public-opinion group watches for.

The group's own summary names three kinds of harmful post besides rumours: 煽动性 (inciting),
行动性 (calling people to act or gather) and 攻击党委政府 (attacking the Party committee or the
government). The lists below are deliberately short and specific: an epidemic stream is full of
"聚集" and "政府" said in good faith ("不要聚集", "聚集性疫情", "感谢政府"), so

- every call word is checked for a negation in front of it (`NEGATORS`), and
- descriptive compounds are excluded by look-ahead ("聚集性", "聚集地", "人群聚集的地方");
- attacks on the government need a target and an attack in the same sentence, except for a few
  words that are attacks by themselves ("狗官").

Edit the lists here; `risk.py` only reads them.
"""

import re


def words(text: str) -> tuple[str, ...]:
    """A word list written as one space-separated string."""
    return tuple(text.split())


# Negations that turn a call into its opposite when they stand before it in the same clause.
NEGATORS = words(
    "不要 不准 不许 不得 不能 不可 不必 不用 无需 别再 请勿 切勿 禁止 严禁 杜绝 避免 减少 拒绝 "
    "谢绝 暂停 取消 停止 劝阻 劝导 不聚 不再 没有 并未 从未 绝不 不会 不是"
)
# One-character negations count only when they touch the word ("不聚集", "别上街") or the verb
# that governs it ("都不来广场集合", "别去集合"), and not inside the words below.
SHORT_NEGATORS = words("不 别 勿 莫 没 未 禁")
NEGATION_BRIDGES = "去要再会能来到敢用许准得可在"
NOT_NEGATIONS = words("特别 分别 区别 级别 识别 告别 个别 类别 不断 不停 不仅 未来 没想到")
NEGATION_SCOPE = 12  # characters before a word searched for its negation (within its clause)

EPIDEMIC = words(
    "疫情 肺炎 新冠 冠状病毒 病毒 确诊 疑似 隔离 口罩 核酸 发热 封城 封控 防控 疫苗 感染 病例 "
    "无症状 密接 健康码 方舱 测温 消毒 抗疫 防疫 疾控 流调 新型肺炎 疫区"
)

# 行动性 / 号召聚集. A call needs an action word and something that makes it a call: for a strong
# word, a call word or both a time and a place ("明天上午到区政府门口拉横幅"); for a weak word, a
# call word and a time or a place. Alone, a strong word is a mention ("聚众打麻将被查"), a weak
# one nothing ("集合时间临时调整").
GATHERING_STRONG = words(
    "上街 游行 示威 静坐 拉横幅 打横幅 挂横幅 围堵 堵路 堵门 堵高速 集体上访 讨说法 讨个说法 "
    "要个说法 罢工 罢市 罢课 打砸"
)
GATHERING_WEAK = words("集合 聚集 聚众 集结 维权 上访 请愿 一起去 都去 到场 串联 组团去")
# Descriptive uses that are not a call: "聚集性疫情", "人群聚集的地方", "集合了".
GATHERING_EXCLUDED = re.compile(
    r"聚集(?:性|地|区|场所|的地方|的场所|活动|感染|疫情|传播)|(?:人群|人员|群体)聚集|集合了|集结号"
)
GATHERING_CALL = words(
    "大家 所有人 号召 速来 都来 来人 报名 不见不散 约好 相约 业主们 家长们 乡亲们 "
    "转发扩散 扩散出去 转起来 人人转发 互相转告 看到的都"
)
# A sentence that reports the authorities acting on a gathering is news, not a call.
GATHERING_REPORTED = re.compile(r"被查|被抓|被拘|拘留|查处|处罚|劝散|驱散|训诫|立案|通报|悔过")
TIME_WORDS = re.compile(
    r"今天|明天|后天|今晚|明晚|明早|今早|周[一二三四五六日末]|星期[一二三四五六日天]|"
    r"[上下]午|晚上|早上|中午|凌晨|\d{1,2}\s*[点时:：]\s*\d{0,2}|[一二三四五六七八九十两]{1,3}点[钟半整]|"
    r"\d{1,2}月\d{1,2}[日号]"
)
PLACE_WORDS = re.compile(
    r"[市区县镇乡]?政府(?:门口|大门|广场)?|街道办|居委会|村委会|信访[局办]|公安局|派出所|"
    r"卫健委|指挥部|门口|大门|广场|[^，。！？\s]{1,6}(?:小区|医院|学校)门口"
)

# 煽动性: words that push readers to anger or to act against someone.
INCITING = words(
    "起来反抗 反抗到底 推翻 打倒 暴动 造反 揭竿而起 以牙还牙 血债血偿 跟他们拼了 砸了他们 "
    "冲进去 忍无可忍 不能再忍 都站出来 讨回公道 还我公道 不转不是中国人 删前速看 马上被删 "
    "即将被删 看完速转 别被洗脑"
)
INCITING_EXCLUDED = re.compile(r"打倒(?:病魔|病毒|疫情|新冠)")

# 攻击党委政府: a target and an attack in one sentence, or an attack word that names its target.
GOVERNMENT_TARGETS = words(
    "党委 政府 官员 当官的 领导 干部 书记 市长 县长 区长 镇长 卫健委 红十字会 官方 当局 "
    "指挥部 防控办 有关部门 相关部门 体制"
)
GOVERNMENT_ATTACKS = words(
    "无能 不作为 乱作为 瞒报 隐瞒疫情 隐瞒真相 隐瞒实情 撒谎 说谎 骗人 骗子 欺骗 腐败 贪污 "
    "冷血 废物 滚出 滚蛋 下台 谢罪 甩锅 懒政 不顾人民死活 蠢 脑残 该死 混蛋 王八蛋 畜生 去死 "
    "封口 捂盖子 删帖"
)
GOVERNMENT_ATTACKS_ALONE = words(
    "狗官 贪官 昏官 官官相护 狗政府 垃圾政府 无能政府 政府无能 滚下台 人血馒头 草菅人命"
)
# Characters allowed between a target and its attack ("政府一直在瞒报"), within one sentence.
ATTACK_REACH = 8

SENTENCE_END = re.compile(r"[。！？!?；;…\n]+")
