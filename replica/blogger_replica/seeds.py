"""The real posts of the target blog, captured as text in the design seeds, as replica content.

Source: the two captured pages of https://gongminziyoulianmeng.blogspot.com/ (a 2013-09 listing with two
posts and the 2012-02 Zhu Yufu post page). Text is kept verbatim, typos included ("Coaliton", the
missing space in "Ju Yuzi,Li Lin"), because the archive must preserve what the blog says.
"""

from __future__ import annotations

# Each body is a list of blocks: ("p", text) a paragraph, ("lines", [..]) lines joined by <br />,
# ("img", caption) an image with that caption, ("blank", "") an empty line the author left.

SIDEBAR_WHO_WE_ARE = (
    "Coalition for Citizens Rights is an human rights organization dedicated to freedom of speech and press, "
    "and internet freedom, in China. This organization was founded in May 2008, and its former website, "
    "http://www.cfcr2008.org/, has been constantly under attack since its appearance in June 2008. Attackers "
    "have compromised this website in 2010 and placed malicious code on it. We warn that this website is not "
    "to be opened even if it is back to normal. This website, http://www.gongminziyoulianmeng.blogspot.com/, "
    'shall serve as official site of "Coalition for Citizens Rights".'
)

SIDEBAR_FREEDOM_TITLE = "Freedom for Liu Xiaobo and Chen Guangcheng"
SIDEBAR_FREEDOM = (
    "We call on the Chinese government to release Liu Xiaobo, the 2010 Nobel Laureate for peace prize who was "
    'sentenced to 11 years in prison in 2009 for writing "Charter 08", an article calling for rule of law, '
    "freedom of speech and constitutional reform; and freedom for Chen Guangcheng, a blind human rights lawyer "
    "who served 4 years and 3 months in prison for providing legal assistance to victims of forced abortion and "
    "sterilization and has been placed under house arrest since his release from prison in 2011."
)

LIU_XIAOBO_2013 = {
    "key": "seed-liu-xiaobo-2013",
    "title": '"Free Nobel Laureate Liu Xiaobo" Rally (释放刘晓波)',
    "local": "2013-09-17T21:38:00",
    "labels": ["Liu Xiaobo", "Rally", "刘晓波", "集会"],
    "body": [
        (
            "p",
            'On September 17, 2013, "Chinese Coalition for Citizens Rights", a human rights organization, held a '
            "rally across from the Chinese Consulate in New York calling for the release of Nobel laureate Liu "
            "Xiaobo.",
        ),
        ("p", "2013年9月17日, 中国公民自由联盟在纽约中领馆前举行集会,要求释放诺贝尔和平奖获得者刘晓波。"),
        (
            "p",
            "Dr. Liu Xiaobo was sentenced to 11 years in prison in 2009 for writing an article calling for "
            "constitutional reform, and freedom of speech, in China. He was awarded the 2010 Nobel Peace Prize "
            "for his outstanding contribution for China's peaceful transition to a democratic country.",
        ),
        (
            "p",
            "刘晓波博士因为写了一篇文章,号召宪政改革,言论自由,结果在2009年被判处11年有期徒刑。2010年,他被授予诺贝尔和平奖,"
            "以表彰他为中国的民主转型而做出的杰出贡献。",
        ),
        ("img", "Liu Xiaobo"),
        (
            "p",
            "Right now, Dr. Liu Xiaobo is still serving his terms in Chinese prison. His wife Liu Xia has been "
            "placed under house arrest since his imprisonment.",
        ),
        ("p", "现在,刘晓波博士还在中国的监狱里服刑,他的妻子刘霞自从刘晓波被判刑后,一直被软禁在家。"),
        ("img", "Liu Xiaobo and His Wife Liu Xia"),
        (
            "p",
            '"Chinese Coalition for Citizens Rights" calls on the Chinese government to release Liu Xiaobo '
            "immediately, because what he did was just peacefully expressing his political views by writing "
            "this article, and the Chinese Constitution protects every citizen's rights to freedom of speech.",
        ),
        (
            "p",
            "中国公民自由联盟号召中国政府立即释放刘晓波,因为刘晓波写文章只是和平表达自己的政治观点,"
            "而中国宪法明文规定保护每一个公民的言论自由。",
        ),
        (
            "p",
            'Members of "Chinese Coalition for Citizens Rights" attending today\'s rally include: Shen Xuehua, '
            "Piao Hulin, Cui Yuhua, Li Jingshun, Xuan Hua, Jin Xiuluo, Jiang Yin, Zheng Jinhua, Li Chenghao, "
            "Xu Zhejun, Cui Chunhua, Zheng Xiuying, Cui Shenghu, Xu Yingyu, Ju Yuzi,Li Lin.",
        ),
        (
            "p",
            "今天参加集会的中国公民自由联盟成员有:申雪花,朴虎林,崔玉花,李敬顺,玄花,金秀罗,姜银,郑今花,李成浩,许哲俊,崔春花,"
            "郑秀英,崔升虎,许英玉,具玉子,李林。",
        ),
    ],
}

WANG_BINGZHANG_2013 = {
    "key": "seed-wang-bingzhang-2013",
    "title": '"Free Wang Bingzhang" Rally (要求释放王炳章)',
    "local": "2013-09-15T22:05:00",
    "labels": ["Rally", "Wang Bingzhang", "集会"],
    "body": [
        (
            "p",
            'On September 15, 2013, at the invitation of Xue Wei, chairman of "Chinese Alliance for Democracy", '
            '"Chinese Coalition for Citizens Rights" attended a rally at the Chinese Consulate in New York '
            "demanding the release of Dr. Wang Bingzhang, the veteran Chinese democracy activist.",
        ),
        (
            "p",
            "2013年9月15日, 在“中国民主团结联盟”主席薛伟的邀请下,中国公民自由联盟参加了在纽约中国领事馆前举行的“释放王炳章”集会,"
            "要求中国政府释放著名的民运人士王炳章博士。",
        ),
        (
            "p",
            "Dr. Wang Bingzhang is one of the first group of students sent overseas by the Chinese government to "
            "study. He graduated from a prominent medical school in Canada with a doctor's degree in medicine. "
            "However, he gave up his medical career and dedicated his full life to the cause of democracy and "
            "human rights in China.",
        ),
        (
            "p",
            "王炳章博士是中国政府最早送到国外留学的留学生之一。他从加拿大的一所著名的医科大学毕业,拿到医学博士学位。可是, "
            "他放弃了他的医生生涯,将他的全部精力都投入到中国的民主和自由事业中。",
        ),
        (
            "p",
            'Dr. Wang Bingzhang was the founder of "Chinese Alliance for Democracy", the first overseas democracy '
            "organization founded in 1983. This organization is targeted by the Chinese government as the No.1 "
            "overseas hostile force. In the late 80's, its members totaled more than 10,000.",
        ),
        (
            "p",
            "王炳章博士是“中国民主团结联盟”的创始人。这个中国海外最早的民运组织是1983年成立的。这个组织被中国政府视为海外头号敌对势力。"
            "在80年代后期,这个组织曾有10000多名成员。",
        ),
        (
            "p",
            "In 2002, Dr. Wang was abducted back to China from Vietnam by government agents and in 2003, he was "
            "sentenced to life in prison. As of today, Dr. Wang is still serving his prison sentence in "
            "Shaoguan, Guangdong Province, China.",
        ),
        (
            "p",
            "2002年, 王炳章博士被中国政府派遣的特工从越南绑架回中国,在2003年被判处无期徒刑。直到今天, "
            "王炳章博士依然在中国广东省的韶关监狱服刑。",
        ),
        (
            "p",
            '"Chinese Coalition for Citizens Rights" calls on the Chinese government to release Dr. Wang '
            "Bingzhang immediately, and return freedom of speech and human rights to the people.",
        ),
        ("p", "中国公民自由联盟号召中国政府立即释放王炳章博士,归还人民的言论自由和人权。"),
        ("blank", ""),
        ("blank", ""),
        (
            "p",
            'Members of "Chinese Coalition for Citizens Rights" attending today\'s rally include: Zhu Benjian, '
            "Feng Yanyun, Piao Yuanhui, Li Renjiu, Jin Changxie, Li Yufu, Li Changzhu,Cui Haiyan, Hang Yongshan.",
        ),
        ("p", "参加今天集会的成员有:朱本俭,冯燕云,朴原辉,李仁玖,金昌燮,李玉福,李长洙,崔海燕,杭永山。"),
    ],
}

ZHU_YUFU_2012 = {
    "key": "seed-zhu-yufu-2012",
    "title": '"Protest Zhu Yufu\'s 7-Year Prison Sentence" Rally (抗议判处朱虞夫7年监禁)',
    "local": "2012-02-14T19:47:00",
    "labels": ["Rally", "Zhu Yufu", "朱虞夫", "集会"],
    "body": [
        (
            "p",
            'On February 14, 2012, "Coalition for Citizens Rights" held a rally at the United Nations Square '
            "protesting the recent prison sentence for Zhu Yufu, a veteran democracy activist in Hangzhou, China.",
        ),
        ("img", "Zhu Yufu"),
        (
            "p",
            "Mr. Zhu Yufu was sentenced to 7 years in prison in early February 2012 by the court in Hangzhou, "
            "Zhejiang Province, China for a poem he wrote. The poem goes on like this:",
        ),
        (
            "lines",
            [
                "It\u2019s time, people of China!  It's time.",
                "The Square belongs to everyone.",
                "With your own two feet",
                "It\u2019s time to head to the Square and make your choice.",
                "It\u2019s time, people of China! It\u2019s time.",
                "A song belongs to everyone.",
                "From your own throat",
                "It's time to voice the song in your heart.",
                "It's time, people of China! It\u2019s time.",
                "China belongs to everyone.",
                "Of your own will",
                "It\u2019s time to choose what China shall be.",
            ],
        ),
        ("blank", ""),
        (
            "p",
            'The court convicted Mr. Zhu Yufu of "inciting to subvert state power" based on the evidence of this poem.',
        ),
        (
            "p",
            '"Coalition for Citizens Rights" protests the unjustified prison sentence for Mr. Zhu Yufu, because '
            "what he did was only writing a poem, and he was exercising his freedom of speech.",
        ),
        (
            "p",
            '"Coalition for Citizens Rights" also calls on the Chinese government to release Mr. Zhu Yufu, and '
            "all political prisoners and prisoners of conscience, return freedom of speech to the people.",
        ),
        (
            "p",
            'Members of "Coaliton for Citizens Rights" attending today\'s rally include: Du Linze, Yin Hushan, '
            "Jin Fengnu, Jin Zhezhu, Piao Hulin, Jin Shunfu, Xu Yingyu, Zhang Fuzi, Liu Yongjie, Shi Aiqin, "
            "Liu Ailing, Lian Jizi, Lin Jixiang, Xu Zhenai, Chi Bihe, Chen Kexiang, Cao Yikang, Wei Bo, "
            "Zhu Yongming, Jin Yujie, Shen Xianglan, Shi Jiaren, Li Yuhua, Piao Meihua, Xu Zhejun, Jin Hai, "
            "An Chunyue, Yang Shunhua, Jin Yinshun, Ming Jian, Luo Shimeng, Cui Yonglu, Deng Huanhuan.",
        ),
        (
            "p",
            "参加此次集会的公民自由联盟的成员有:杜林泽,尹虎山,金凤女,金哲洙,朴虎林,金顺福,许英玉,张福子,刘用杰,石爱钦,刘爱玲,"
            "廉姬子,林吉香,许贞爱,池碧荷,陈克香, 曹以康,卫波,朱永明,金玉洁,沈香兰,施家仁,李玉花,朴美花,许哲俊,金海,安春月,"
            "杨顺花,金银顺,明键,罗士猛,崔永绿,邓欢欢",
        ),
    ],
}

SEED_POSTS = (ZHU_YUFU_2012, WANG_BINGZHANG_2013, LIU_XIAOBO_2013)

# Attendee names as the seed posts give them: pinyin and characters in the same order.
SEED_NAMES: tuple[tuple[str, str], ...] = (
    ("Shen Xuehua", "申雪花"),
    ("Piao Hulin", "朴虎林"),
    ("Cui Yuhua", "崔玉花"),
    ("Li Jingshun", "李敬顺"),
    ("Xuan Hua", "玄花"),
    ("Jin Xiuluo", "金秀罗"),
    ("Jiang Yin", "姜银"),
    ("Zheng Jinhua", "郑今花"),
    ("Li Chenghao", "李成浩"),
    ("Xu Zhejun", "许哲俊"),
    ("Cui Chunhua", "崔春花"),
    ("Zheng Xiuying", "郑秀英"),
    ("Cui Shenghu", "崔升虎"),
    ("Xu Yingyu", "许英玉"),
    ("Ju Yuzi", "具玉子"),
    ("Li Lin", "李林"),
    ("Zhu Benjian", "朱本俭"),
    ("Feng Yanyun", "冯燕云"),
    ("Piao Yuanhui", "朴原辉"),
    ("Li Renjiu", "李仁玖"),
    ("Jin Changxie", "金昌燮"),
    ("Li Yufu", "李玉福"),
    ("Li Changzhu", "李长洙"),
    ("Cui Haiyan", "崔海燕"),
    ("Hang Yongshan", "杭永山"),
    ("Du Linze", "杜林泽"),
    ("Yin Hushan", "尹虎山"),
    ("Jin Fengnu", "金凤女"),
    ("Jin Zhezhu", "金哲洙"),
    ("Jin Shunfu", "金顺福"),
    ("Zhang Fuzi", "张福子"),
    ("Liu Yongjie", "刘用杰"),
    ("Shi Aiqin", "石爱钦"),
    ("Liu Ailing", "刘爱玲"),
    ("Lian Jizi", "廉姬子"),
    ("Lin Jixiang", "林吉香"),
    ("Xu Zhenai", "许贞爱"),
    ("Chi Bihe", "池碧荷"),
    ("Chen Kexiang", "陈克香"),
    ("Cao Yikang", "曹以康"),
    ("Wei Bo", "卫波"),
    ("Zhu Yongming", "朱永明"),
    ("Jin Yujie", "金玉洁"),
    ("Shen Xianglan", "沈香兰"),
    ("Shi Jiaren", "施家仁"),
    ("Li Yuhua", "李玉花"),
    ("Piao Meihua", "朴美花"),
    ("Jin Hai", "金海"),
    ("An Chunyue", "安春月"),
    ("Yang Shunhua", "杨顺花"),
    ("Jin Yinshun", "金银顺"),
    ("Ming Jian", "明键"),
    ("Luo Shimeng", "罗士猛"),
    ("Cui Yonglu", "崔永绿"),
    ("Deng Huanhuan", "邓欢欢"),
)
