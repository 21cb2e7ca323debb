"""The words the terminal output uses, in English and Chinese (``--lang en|zh``)."""

from __future__ import annotations

import os

LANGS = ("en", "zh")

_TEXT: dict[str, tuple[str, str]] = {
    "source": ("Source", "数据来源"),
    "as_of": ("As of", "统计截止日"),
    "rows": ("Rows: {read} read, {used} used, {left} left out",
             "行数：读取 {read}，使用 {used}，剔除 {left}"),
    "left_out": ("  left out, {reason}: {n}", "  剔除（{reason}）：{n}"),
    "orders": ("Orders: {orders}{returns}   Customers: {customers}",
               "订单：{orders}{returns}   客户：{customers}"),
    "returns": (" (+{n} returns)", "（另有退货 {n}）"),
    "cuts_title": ("Score cut points ({method})", "评分分界点（{method}）"),
    "score": ("Score", "评分"),
    "measure": ("Measure", "指标"),
    "cut_points": ("Cut points", "分界点"),
    "more_better": ("more is better", "越大越好"),
    "fewer_better": ("fewer is better", "越小越好"),
    "segments_title": ("Segments", "客户分群"),
    "segment": ("Segment", "分群"),
    "customers": ("Customers", "客户数"),
    "share": ("Share", "占比"),
    "revenue": ("Revenue", "消费金额"),
    "revenue_share": ("Rev. share", "金额占比"),
    "avg_recency": ("Avg recency", "平均最近消费(天)"),
    "avg_orders": ("Avg orders", "平均订单数"),
    "avg_spend": ("Avg spend", "平均消费"),
    "bars": ("", ""),
    "action": ("Suggested action", "建议动作"),
    "recency_days": ("recency_days", "最近消费间隔(天)"),
    "frequency": ("frequency", "消费频次"),
    "monetary": ("monetary", "消费金额"),
    "quantile": ("quantiles", "分位数"),
    "edges": ("fixed edges", "固定阈值"),
    "mean": ("mean", "均值"),
    "repeat_title": ("Repeat buyers: at least {orders} orders and more than {spend} spent",
                     "老客户：至少 {orders} 单且消费超过 {spend}"),
    "repeat_facts": ("{n} repeat buyers: {share} of customers, {revenue_share} of revenue",
                     "老客户 {n} 人：占客户 {share}，占消费金额 {revenue_share}"),
    "more_rows": ("... {n} more (write them all with -o)", "……另有 {n} 人（用 -o 导出全部）"),
    "col_customer_id": ("customer_id", "客户ID"),
    "col_orders": ("orders", "订单数"),
    "col_spend": ("spend", "消费金额"),
    "col_first_order": ("first_order", "首次下单"),
    "col_last_order": ("last_order", "最近下单"),
    "col_avg_days_between_orders": ("avg_days_between_orders", "平均下单间隔(天)"),
    "col_lifecycle": ("lifecycle", "生命周期"),
    "metrics_title": ("Customer measures", "客户指标"),
    "lifecycle_title": ("Lifecycle", "生命周期"),
    "group": ("Group", "分组"),
    "all": ("all", "全部"),
    "report_title": ("Customer segmentation report", "客户分群报告"),
    "kpi_customers": ("Customers", "客户数"),
    "kpi_orders": ("Orders", "订单数"),
    "kpi_revenue": ("Revenue", "消费金额"),
    "kpi_aov": ("Average order value", "客单价"),
    "kpi_repurchase": ("Repurchase rate", "复购率"),
    "kpi_as_of": ("As of", "统计截止日"),
    "rows_section": ("Rows", "数据行"),
    "rows_line": ("{read} rows read, {used} used", "读取 {read} 行，使用 {used} 行"),
    "nothing_left_out": ("no row left out", "没有剔除任何行"),
    "seg_chart": ("Segments: share of customers and of revenue",
                  "分群：客户占比与消费金额占比"),
    "customer_share": ("share of customers", "客户占比"),
    "revenue_share_long": ("share of revenue", "金额占比"),
    "heat_chart": ("Customers by recency (R) and frequency (F) score",
                   "按最近消费 (R) 与频次 (F) 评分的客户数"),
    "mean_spend": ("mean spend", "平均消费"),
    "dist_chart": ("Distributions with the cut points", "分布与评分分界点"),
    "clipped": ("the top 1% (above {v}) is in the last bar", "最高的 1%（{v} 以上）计入最后一栏"),
    "repeat_section": ("Repeat buyers", "老客户"),
    "repeat_rule": ("at least {orders} orders and more than {spend} spent",
                    "至少 {orders} 单且消费超过 {spend}"),
    "lifecycle_chart": ("Lifecycle (churned after {days} days without an order)",
                        "生命周期（{days} 天无订单为流失）"),
    "rules_section": ("Segments, their rules and suggested actions", "分群规则与建议动作"),
    "rules": ("Rules (first match wins)", "规则（按顺序匹配）"),
    "scheme_line": ("Scheme {scheme}, {scoring} scoring", "方案 {scheme}，{scoring}评分"),
    "m_customers": ("Customers", "客户数"),
    "m_orders": ("Orders", "订单数"),
    "m_revenue": ("Revenue", "消费金额"),
    "m_aov": ("AOV", "客单价"),
    "m_repeat": ("Repeat", "复购率"),
    "m_cycle": ("Cycle d", "周期(天)"),
    "m_median": ("Median d", "中位(天)"),
    "m_churn": ("Churn", "流失率"),
    "m_clv": ("CLV", "CLV"),
    "m_top20": ("Top20%", "前20%"),
    "metrics_note": ("Repeat = share with 2+ orders; Cycle d / Median d = days between a "
                     "customer's orders (mean, median); Top20% = revenue share of the top 20%.",
                     "复购率＝2 单及以上客户占比；"
                     "周期、中位＝客户两次购买的间隔天数（均值、中位数）；"
                     "前20%＝消费金额最高的 20% 客户所占金额比例。"),
    "clv_note": ("CLV = AOV x orders per customer per year x lifespan ({years} years)",
                 "CLV＝客单价 × 每客户年均订单数 × 客户寿命（{years} 年）"),
    "clv_none": ("CLV: no lifespan estimate (the data must span twice --churn-days and show "
                 "churn); give --lifespan-years",
                 "CLV：无法估计客户寿命（数据需覆盖两倍 --churn-days 且有流失客户），"
                 "请用 --lifespan-years 指定"),
    "fallback_rule": ("no rule matches (fallback)", "未匹配任何规则（兜底）"),
    "error": ("Error: {message}", "错误：{message}"),
    "interrupted": ("Interrupted.", "已中断。"),
    "wrote_report": ("Wrote {path} ({size} MB, {customers} customers)",
                     "已写入 {path}（{size} MB，{customers} 位客户）"),
    "new": ("new", "新客户"),
    "active": ("active", "活跃"),
    "returning": ("returning", "回流"),
    "churned": ("churned", "流失"),
}  # fmt: skip

_REASONS_ZH = {
    "malformed line": "格式错误的行",
    "missing customer": "缺少客户",
    "missing date": "缺少日期",
    "unparseable date": "日期无法解析",
    "missing amount": "缺少金额",
    "unparseable amount": "金额无法解析",
    "cancelled": "已取消/退款",
    "duplicate row": "重复行",
    "return dropped": "退货（已剔除）",
    "after as-of": "晚于截止日",
    "returns only": "仅有退货",
}


def default_lang(environ: dict | None = None) -> str:
    """``zh`` when the locale (LC_ALL, LC_MESSAGES, LANG) is Chinese, else ``en``."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def t(key: str, lang: str, **values) -> str:
    """The text for ``key`` in ``lang``, formatted with ``values``."""
    en, zh = _TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


def reason(name: str, lang: str) -> str:
    """A left-out reason in ``lang``."""
    return _REASONS_ZH.get(name, name) if lang == "zh" else name
