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
    "by_title": ("Customers by {column}", "按{column}划分的客户"),
    "by_note": (
        "A customer counts under the value of most of their purchases (a tie: their latest); "
        "{values:,} values, the top {shown:,} shown.",
        "每位客户计入其多数购买所在的取值（并列时取最近一次购买的取值）；"
        "共 {values:,} 个取值，显示前 {shown:,} 个。",
    ),
    "by_share": ("Share", "客户占比"),
    "by_revenue_share": ("Revenue share", "销售额占比"),
    "by_top_segment": ("Largest segment", "最大分群"),
    "by_repeat_title": ("Repeat buyers by {column}", "按{column}划分的老客户"),
    "by_repeat": ("Repeat buyers", "老客户数"),
    "by_other": ("other", "其他"),
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
    "top_buyers": ("The {n} repeat buyers who spent most", "消费最高的 {n} 位老客户"),
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
    "pred_note": ("Note: ", "注意："),
    "pred_model_title": ("Models (maximum likelihood; time unit: {unit})", "模型（最大似然估计；时间单位：{unit}）"),
    "unit_week": ("week", "周"),
    "unit_day": ("day", "天"),
    "unit_month": ("month", "月"),
    "pred_model": ("Model", "模型"),
    "pred_params": ("Parameters", "参数"),
    "pred_fit": ("Fit", "拟合"),
    "pred_ll": ("log-likelihood {ll} ({n} customers)", "对数似然 {ll}（{n} 位客户）"),
    "pred_gg_fit": ("{n} repeat buyers", "{n} 位复购客户"),
    "pred_segments_title": ("Predictions per segment (next {horizon})", "各分群预测（未来 {horizon}）"),
    "pred_p_alive": ("Mean P(alive)", "平均存活概率"),
    "pred_orders": ("Expected orders", "预期订单数"),
    "pred_value": ("Predicted value", "预测价值"),
    "pred_holdout_total": ("Holdout, after {start} up to {end}: {actual} transactions; the model expected {expected}{error}",
                           "验证期（{start} 之后至 {end}）：实际交易 {actual} 次，模型预期 {expected}{error}"),
    "pred_by_repeat": ("Holdout by repeat transactions in the calibration period", "验证期：按校准期复购次数"),
    "pred_by_segment": ("Holdout by segment (as of the calibration end)", "验证期：按分群（校准期结束时）"),
    "pred_repeat_orders": ("Repeat transactions", "复购次数"),
    "pred_actual": ("Actual", "实际"),
    "pred_expected": ("Expected", "预期"),
    "pred_error": ("Error", "误差"),
    "pred_section": ("Predictions (next {horizon})", "预测（未来 {horizon}）"),
    "pred_tracking": ("Cumulative repeat transactions, actual and model", "累计复购交易：实际与模型"),
    "pred_model_line": ("Model", "模型"),
    "pred_week": ("Week", "周"),
    "pred_cal_end": ("calibration end", "校准期结束"),
    "pred_cumulative": ("Repeat transactions", "复购交易"),
    "bt_as_of": ("Segments as of: {as_of} ({customers} customers, scheme {scheme})",
                 "分群日期：{as_of}（{customers} 位客户，方案 {scheme}）"),
    "bt_window": ("Window: {start} .. {end} ({days} days)", "检验窗口：{start} .. {end}（{days} 天）"),
    "bt_after_window": ("after the window", "检验窗口之后"),
    "bt_overall": ("Overall: {buyers} of {customers} customers bought in the window ({rate}): "
                   "{orders} orders, {revenue} revenue",
                   "总体：{customers} 位客户中 {buyers} 位在窗口内购买（{rate}）：订单 {orders}，"
                   "消费金额 {revenue}"),
    "bt_newcomers": ("In no segment (first purchase in the window): customers {n}, orders "
                     "{orders}, revenue {revenue}",
                     "未分群（在窗口内首次购买）：客户 {n}，订单 {orders}，消费金额 {revenue}"),
    "bt_title": ("Scheme {scheme}: who bought in the window, by segment as of {as_of}",
                 "方案 {scheme}：{as_of} 的各分群在窗口内的购买情况"),
    "bt_buyers": ("Buyers", "购买客户"),
    "bt_rate": ("Buy rate", "购买率"),
    "bt_rate_ci": ("Buy rate (95% CI)", "购买率（95% 置信区间）"),
    "bt_lift": ("Lift", "提升度"),
    "bt_orders": ("Orders", "订单数"),
    "bt_rev_per": ("Rev./cust.", "人均消费"),
    "bt_all": ("All", "全部"),
    "bt_auc": ("AUC {auc}: the segments, ordered by their buy rate, separate buyers from "
               "non-buyers (0.5: chance, 1: perfectly)",
               "AUC {auc}：按购买率排序的分群区分购买与未购买客户的能力（0.5 为随机，1 为完全区分）"),
    "bt_no_auc": ("AUC: none (all customers bought, or none did)",
                  "AUC：无（全部客户都购买或都未购买）"),
    "bt_compare_title": ("Schemes compared: which separates buyers from non-buyers best",
                         "方案比较：哪个方案最能区分购买与未购买客户"),
    "bt_scheme": ("Scheme", "方案"),
    "bt_segments_used": ("Segments", "分群数"),
    "bt_best": ("best", "最佳"),
    "bt_auc_col": ("AUC", "AUC"),
    "bt_compare_note": ("AUC of each scheme's segments ordered by their buy rate in the window. "
                        "Splitting into more segments can only raise it: weigh schemes of "
                        "unlike size with care.",
                        "AUC 按各分群在窗口内的购买率排序计算。分群越多 AUC 只增不减："
                        "比较分群数不同的方案时需谨慎。"),
    "bt_deciles_title": ("P(alive) deciles: {model} fitted on the orders up to {as_of}",
                         "存活概率十分位：{model} 模型（基于 {as_of} 及之前的订单拟合）"),
    "bt_decile": ("Decile", "十分位"),
    "bt_p_range": ("P(alive)", "存活概率"),
    "bt_p_mean": ("Mean", "平均"),
    "bt_expected": ("Expected trans.", "预期交易"),
    "bt_actual": ("Actual trans.", "实际交易"),
    "bt_one_decile": ("Every customer has the same P(alive): the model tells none apart "
                      "(its parameters: 'custseg predict --calibration-end').",
                      "所有客户的存活概率相同：该模型无法区分客户（参数见 "
                      "'custseg predict --calibration-end'）。"),
    "bt_deciles_note": ("Decile 1: the lowest P(alive); customers with equal P(alive) share a "
                        "decile. Transactions: purchase days in the window. AUC of P(alive): "
                        "{auc}.",
                        "十分位 1 为存活概率最低；存活概率相同的客户归入同一十分位。"
                        "交易：窗口内的购买天数。存活概率的 AUC：{auc}。"),
    "period_month": ("month", "月"),
    "period_week": ("week", "周"),
    "period_quarter": ("quarter", "季度"),
    "cohort_title": ("Cohorts by {period} of first purchase: {measure}",
                     "同期群（按首购{period}）：{measure}"),
    "cohort_customers": ("share of the cohort who bought in the period",
                         "当期购买客户占同期群比例（留存率）"),
    "cohort_customers_cum": ("share of the cohort who had bought again by the period",
                             "截至当期已复购客户占同期群比例（累计）"),
    "cohort_orders": ("orders in the period per cohort customer", "当期订单数 / 同期群客户数"),
    "cohort_orders_cum": ("orders up to the period per cohort customer",
                          "截至当期累计订单数 / 同期群客户数"),
    "cohort_revenue": ("revenue in the period per cohort customer", "当期消费金额 / 同期群客户数"),
    "cohort_revenue_cum": ("revenue up to the period per cohort customer",
                           "截至当期累计消费金额 / 同期群客户数"),
    "cohort_aov": ("revenue per order in the period", "当期消费金额 / 当期订单数（客单价）"),
    "cohort_aov_cum": ("revenue per order up to the period", "截至当期累计消费金额 / 累计订单数"),
    "cohort_col": ("Cohort", "首购期"),
    "cohort_new": ("New", "新客户"),
    "cohort_more": ("{n} more periods are in the file (-o)", "另有 {n} 期，用 -o 导出全部"),
    "cohort_last": ("The columns run to the period of the last order (data up to the as-of "
                    "date {as_of}); that last period may be partial.",
                    "列截至最后一笔订单所在的期（数据截至 {as_of}），最后一期可能不完整。"),
    "cohort_section": ("Cohorts by month of first purchase: share who bought again",
                       "同期群：按首购月份的复购留存率"),
    "rep_title": ("Repurchase", "复购"),
    "rep_measure": ("Measure", "指标"),
    "rep_value": ("Value", "数值"),
    "rep_formula": ("Formula", "公式"),
    "rep_people": ("Repurchase rate, by people", "复购率（按人数）"),
    "rep_people_day": ("Repurchase rate, by people, same day as one", "复购率（按人数，按天去重）"),
    "rep_orders": ("Repurchase rate, by orders", "复购率（按订单）"),
    "rep_orders_day": ("Repurchase rate, by orders, same day as one", "复购率（按订单，按天去重）"),
    "rep_people_f": ("buyers with 2+ orders / buyers = {a} / {b}",
                     "购买 2 单及以上的客户数 / 购买客户数 = {a} / {b}"),
    "rep_people_day_f": ("buyers with 2+ purchase days / buyers = {a} / {b}",
                         "有 2 个及以上购买日的客户数 / 购买客户数 = {a} / {b}"),
    "rep_orders_f": ("repeat orders (after each buyer's first) / orders = {a} / {b}",
                     "复购订单数（每人首单之后） / 订单数 = {a} / {b}"),
    "rep_orders_day_f": ("repeat purchase days / purchase days = {a} / {b}",
                         "复购天数 / 购买天数 = {a} / {b}"),
    "rep_gap": ("Days between purchase days", "购买间隔（天）"),
    "rep_gap_f": ("median {median} (quartiles {q1}-{q3}) over {n} gaps",
                  "中位数 {median}（四分位 {q1}-{q3}），共 {n} 个间隔"),
    "rep_churn": ("Suggested churn window", "建议流失判定窗口"),
    "rep_churn_f": ("90th percentile of the gaps, rounded up: 9 in 10 comebacks came sooner",
                    "间隔的第 90 百分位数（向上取整）：九成回购在此之前"),
    "rep_back": ("Buy-back rate {start} .. {end}", "回购率 {start} .. {end}"),
    "rep_back_f": ("of them, bought in the next window (to {next}) / buyers of the window "
                   "= {a} / {b}",
                   "其中下一窗口（至 {next}）再次购买的客户数 / 本窗口购买客户数 = {a} / {b}"),
    "cl_k_title": ("Choice of k (silhouette on {sil} customers, inertia on {fit})", "k 的选择（轮廓系数基于 {sil} 位客户，惯性基于 {fit} 位）"),
    "cl_k_given": ("k = {k}, as given (silhouette on {sil} customers, inertia on {fit})", "k = {k}（指定；轮廓系数基于 {sil} 位客户，惯性基于 {fit} 位）"),
    "cl_inertia": ("Inertia", "惯性"),
    "cl_silhouette": ("Silhouette", "轮廓系数"),
    "cl_chosen": ("chosen", "选用"),
    "cl_title": ("Clusters (k = {k}, K-Means on {features}), by revenue per customer", "聚类（k = {k}，K-Means，特征：{features}），按人均消费排序"),
    "cl_caption": ("Days (since the last order), orders and spend: the cluster's medians. Main segment: the one most of its customers are in.", "距今天数、订单数、消费：该类客户的中位数。主要分群：该类多数客户所属的分群。"),
    "cl_cluster": ("#", "#"),
    "cl_name": ("Cluster", "聚类"),
    "cl_median_recency": ("Days", "距今天数"),
    "cl_median_orders": ("Orders", "订单数"),
    "cl_median_spend": ("Spend", "消费"),
    "cl_per_customer": ("Per cust.", "人均"),
    "cl_segment": ("Main segment", "主要分群"),
    "cl_section": ("Clusters (K-Means, k = {k})", "聚类（K-Means，k = {k}）"),
    "cl_scatter": ("Recency and spend by cluster", "各聚类的最近消费与消费金额"),
    "cl_sampled": ("{shown} of {total} customers shown (a seeded sample)", "显示 {total} 位客户中的 {shown} 位（固定种子抽样）"),
    "cl_not_positive": ("; {n} with no positive spend not drawn (log scale)", "；{n} 位消费金额不为正的客户未画出（对数刻度）"),
    "cl_working": ("K-Means, k = {low}..{high}", "K-Means 聚类，k = {low}..{high}"),
    "cl_curve": ("Choice of k", "k 的选择"),
    "feat_recency": ("recency", "最近消费"),
    "feat_frequency": ("frequency", "频次"),
    "feat_monetary": ("spend", "金额"),
    "feat_scores": ("{features} scores", "{features} 评分"),
}  # fmt: skip

_REASONS_ZH = {
    "malformed line": "格式错误的行",
    "missing customer": "缺少客户",
    "placeholder customer": "占位客户ID（游客等）",
    "not paid": "未付款",
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


#: Notes and warnings (:mod:`custseg.notes`) in Chinese, by key.
_NOTES_ZH = {
    "platform": "平台：{title_zh}（{how_zh}）",
    "chosen_over": "{role_zh}：使用 {chosen!r}，未用 {others}",
    "decimal_comma": "金额使用小数逗号（1.058,00 即 1058.00）",
    "level_repeated": "订单金额在每个商品行重复（{col}）：每单只计一次",
    "level_first_row": "订单金额只在订单的第一行（{col}）：每单只计一次，其余行沿用该订单的状态和时间",
    "level_order": "{col} 为订单总额（按指定）：每单只计一次",
    "partly_net": "{n:,} 行部分退款，按扣除退款后的金额计",
    "encoding": "文本编码：{label}（自动识别）",
    "header_line": "表头在第 {line} 行（跳过其上 {above} 行）",
    "header_row": "表头在第 {line} 行（跳过其上 {above} 行）",
    "xls_text": "扩展名为 Excel，内容为分隔文本：按 CSV 读取",
    "pushdown": "在数据库中汇总：只读取了每位客户的汇总行",
    "no_line_end": "最后一行没有换行符：文件可能仍在写入",
    "cut_line": "最后一行（第 {line} 行）在引号内截断：作为格式错误的行剔除",
    "mangled_customers": "客户ID疑似被 Excel 改写（如 {like!r}）：不同客户可能被合并；请重新导出，不要用 Excel 打开后保存",
    "mangled_orders": "订单号疑似被 Excel 改写（{example!r}）：同一客户同一时间的行计为一单；请重新导出，或用 `columns.order` 指定其他列",
    "shared_ids": "{n:,} 个订单号被多个客户共用：不是订单号，同一客户同一时间的行计为一单；请用 `columns.order` 指定订单列",
    "recurring_ids": "{n:,} 个订单号在不同日期重复出现（每天重新编号？）：不是订单号，同一客户同一时间的行计为一单；请用 `columns.order` 指定订单列",
    "status_unknown": "未知的状态值，按成交计：{values}；如有不算成交的，请用 `cancel_status` 指定",
    "status_words": "按英文词义判断的状态值：{values}",
    "early_dates": "{n:,} 个日期早于 1900 年，按无法解析剔除（两位数年份，如 19-03-05？）；请写完整年份（2019-03-05）",
    "far_dates": "{early:,} 个订单早于 1995 年，{future:,} 个晚于今天：远超店铺的日期范围（默认日期如 1970-01-01 或 9999-12-31？）；照常计入：请检查日期列，或用 `as_of` 指定截止日",
    "partly_gross": "{n:,} 行部分退款按全额计：导出文件没有退款金额列；请用 `columns.refunded` 指定",
    "masked_ids": "{n:,} 个客户ID被打码（如 {shapes}；{rows:,} 行）：不同买家可能共用一个，被算作同一客户；{instead_zh}",
    "shared_places": "{n:,} 个客户ID在 {days} 天以上、向 {places} 个以上不同地址下单（{place}；{rows:,} 行）：打码或共用的ID，多位买家被算作同一客户？{instead_zh}",
    "rejects_personal": "`rejects` 写入被剔除行的所有列，其中有些像是个人信息（{columns}）：请勿外传，或去掉 `rejects_all_columns`",
    "gg_few": "复购客户仅 {n} 位（少于 {least}）：消费金额模型的参数不可靠",
    "gg_correlated": "复购客户的购买频次与平均消费相关（Pearson {corr:.2f}，超过 {most}）：Gamma-Gamma 模型假设二者独立，预期消费可能有偏",
    "gg_excluded": "{n:,} 位复购客户的平均复购消费不为正，未参与拟合，按总体均值计",
    "bgnbd_alive": "BG/NBD 将从未复购的客户视为仍然存活（存活概率为 1）：共 {n:,} 位；`model` mbgnbd 不会如此",
}  # fmt: skip
_ROLES_ZH = {"customer": "客户列", "order": "订单列", "date": "日期列", "amount": "金额列",
             "quantity": "数量列", "price": "单价列", "status": "状态列",
             "after_sale": "售后状态列", "refunded": "退款金额列"}  # fmt: skip


def say(note: str, lang: str) -> str:
    """A note or warning (:class:`custseg.notes.Note`) in ``lang``; a plain string, or
    English, as it is."""
    key, values = getattr(note, "key", None), dict(getattr(note, "values", {}))
    if lang == "zh" and key in _NOTES_ZH:
        from custseg.orders.platforms import platforms

        if key == "platform":
            titles = {p.title: p.title_zh for p in platforms().values()}
            values["title_zh"] = titles.get(values["title"], values["title"])
            values["how_zh"] = "从表头识别" if values["how"] == "from the header" else "按指定"
        values["role_zh"] = _ROLES_ZH.get(values.get("role", ""), values.get("role", ""))
        return _NOTES_ZH[key].format(**values)
    return str(note)
