/* UI strings in English and Korean; every visible string comes from here. */
(function () {
  "use strict";
  var S = {
    en: {
      brand: "Bessemer", fleet_title: "Fleet overview",
      fleet_hint: "Equipment ranked by risk of failure within the planning horizon.",
      rank: "Rank", asset: "Equipment", name: "Name", kind: "Kind", rul: "Remaining useful life",
      health: "Health", risk: "Risk", plan: "Maintenance plan", action: "Action", due: "Due",
      cost_now: "Cost if done now", cost_wait: "Expected cost if we wait", saving: "Saving", reason: "Reason",
      "replace now": "Replace now", schedule: "Schedule", monitor: "Monitor",
      total_cost: "Total expected cost", horizon: "Horizon",
      last_updated: "Last updated", preparing: "Preparing the models…",
      sensor_trends: "Sensor trends", rul_trajectory: "Remaining useful life trajectory",
      rul_hint: "Line: predicted RUL; band: prediction interval.", window: "Show the last",
      all: "All", back: "← Fleet overview", location: "Location", no_data: "No data",
      no_prediction: "No prediction for this asset yet.", load_error: "Could not load data",
      not_found: "Not found", asset_missing: "this asset does not exist.",
      unit_h: "h", unit_cycle: "cycles", lang_button: "한국어", interval: "interval",
      process_title: "Process monitoring",
      process_hint: "Multivariate statistical monitoring of the live unit: Hotelling T², SPE and a moving-window statistic against their control limits.",
      process_unit: "Unit", state: "State", state_normal: "Normal", state_alarm: "Alarm",
      state_sensor_fault: "Sensor fault", state_warming_up: "Warming up", diagnosis: "Diagnosis",
      unknown_fault: "Unknown fault", no_fault: "No fault detected", active_fault: "Injected fault", none: "None",
      probability: "probability", statistics: "Monitoring statistics",
      statistics_hint: "Line: statistic; dashed line: control limit; red dots and shading: samples in alarm.",
      stat_hotelling: "Hotelling T²", stat_spe: "SPE (squared prediction error)", stat_window: "Moving-window statistic",
      limit: "limit", contributions: "Top contributing variables (latest sample)",
      contributions_hint: "Share of the latest deviation explained by each variable; ▲ above normal, ▼ below normal.",
      alarms: "Alarms", start: "Start", end: "End", active: "Active", kind_process: "Process", kind_sensor: "Sensor",
      top_variables: "Top variables", no_alarms: "No alarms",
      fault_injection: "Fault injection (simulator)",
      fault_injection_hint: "Needs an API token of role operator. The token is kept in this browser tab only.",
      token: "API token", fault: "Fault", magnitude: "Magnitude", inject: "Inject", clear_fault: "Clear",
      injected: "Fault injected", cleared: "Fault cleared", nothing_to_clear: "No fault was active",
      need_token: "Type an operator token first.", refused: "The request was refused",
      /* energy page */
      energy_nav: "Energy", energy_title: "Energy and carbon", e_site: "Site", e_period: "Period", e_tariff: "Tariff",
      e_latest: "Latest 15-minute load", e_accuracy: "Day-ahead forecast accuracy", e_last_bill: "Last full month's bill",
      e_saving: "Schedule saving", e_scope_two_total: "Scope 2 emissions", e_load_title: "Load and day-ahead forecast",
      e_load_hint: "Solid line: metered kWh per 15 minutes; dashed line and band: the forecast issued at each local midnight with its 90 % interval; shading: KEPCO time bands.",
      e_days: "days", band_light: "Light load", band_medium: "Medium load", band_maximum: "Maximum load",
      e_bill_title: "Monthly bill", e_month: "Month", e_partial: "Partial month", e_item: "Item", e_quantity: "Quantity",
      e_unit: "Unit", e_rate: "Rate", e_amount: "Amount", e_notes: "Notes and sources",
      e_schedule_title: "Production schedule (EAF heats)",
      e_schedule_hint: "An illustrative meltshop over the next days, priced by the tariff: the plant's usual practice (as-is) against the schedule of least energy and demand cost.",
      e_as_is_cost: "As-is cost", e_optimised_cost: "Optimised cost", e_solver: "Solver", e_optimised: "Optimised",
      e_as_is: "As-is", e_schedule_load: "Plant load per 15 minutes",
      e_schedule_load_hint: "Solid line: optimised; dashed line: as-is; red dashed line: power limit.",
      e_ledger_title: "Carbon ledger of the metered electricity", e_scope: "Scope", e_factor: "Factor",
      e_emissions: "Emissions (t)", e_status: "Status", e_source: "Source", e_scenarios_title: "Carbon-neutral pathways",
      e_case: "Case", e_scenario: "Scenario", e_total_t: "Total (tCO2)", e_delta_t: "Change (tCO2)",
      e_delta_pct: "Change (%)", e_cost_delta: "Cost change",
      e_prices_hint: "Prices used for the cost change are assumptions, not quotes.",
      e_effective: "in force from", e_contract: "contract power", e_assumed: "assumed",
      e_adder_fuel_cost_adjustment: "fuel-cost adjustment", e_adder_climate_environment: "climate-environment charge",
      e_won_per_kwh: "won/kWh", e_mae: "MAE", e_coverage: "interval coverage", e_nominal: "target",
      e_no_full_month: "No full month yet", e_grid_factor: "Grid emission factor", e_actual: "Actual",
      e_forecast: "Forecast", e_subtotal: "Electricity charge subtotal", e_vat: "VAT", e_fund: "Power industry fund",
      e_amount_billed: "Amount billed", e_total: "Total", e_peak: "Peak demand", e_billing_demand: "billing demand",
      e_of_total: "of total cost", e_energy: "energy", e_demand: "demand", e_gap: "MIP gap",
      e_grid_electricity: "Grid electricity", scope_one: "Scope 1", scope_two: "Scope 2",
      scope_route: "Route average", scope_memo: "Memo", e_baseline: "Baseline", e_assumption: "assumption",
      status_confirmed: "Confirmed", status_secondary: "Secondary", status_derived: "Derived",
      status_unconfirmed: "Unconfirmed", status_assumption: "Assumption", status_optimal: "Optimal",
      status_time_limit: "Time limit reached", status_feasible: "Feasible", status_interrupted: "Interrupted",
      /* quality page */
      quality_nav: "Quality", quality_title: "Quality", q_line: "Line", q_period: "Coils scored",
      q_high_risk: "Coils at high risk", q_model: "Defect model (held-out coils)", q_surface: "Surface images today",
      q_spc: "SPC rule violations", q_risk_title: "Coils by defect risk",
      q_risk_hint: "Risk: calibrated probability that the coil has any defect. Reasons: the process values that pushed the prediction most (↑ raises, ↓ lowers the predicted class). Click a coil for its details.",
      q_coil: "Coil", q_time: "Coiled", q_predicted: "Predicted defect", q_reasons: "Top reasons", q_actual: "Inspection",
      q_coil_detail: "Coil", q_probabilities: "Probability of each class", q_top_reasons: "Strongest reasons",
      q_signals: "Process values", q_variable: "Variable", q_value: "Value",
      q_importance_title: "What drives defects overall",
      q_importance_hint: "Mean absolute contribution (SHAP) of each process value to the defect model's predictions.",
      q_images_title: "Surface inspection images",
      q_images_hint: "The image classifier's verdict on today's images. Below the confidence threshold an image is marked for a person to check.",
      q_confusion_title: "Held-out confusion matrix (rows: true class, columns: predicted)",
      q_spc_title: "Statistical process control",
      q_spc_hint: "Line: the charted statistic; solid grey line: center; red dashed lines: control limits from the in-control baseline; red points: rule violations.",
      q_threshold: "threshold", q_accuracy: "accuracy", q_macro_fscore: "macro F1", q_majority: "always 'no defect'",
      q_trained_on: "trained on", q_tested_on: "tested on", q_for_a_person: "for a person", q_images: "images",
      q_held_out_accuracy: "held-out accuracy", q_charts: "charts", q_raises: "raises the predicted class",
      q_lowers: "lowers the predicted class", q_confidence: "confidence", q_needs_person: "Needs a person",
      q_truth: "true", q_threshold_person: "checked by a person below", q_true_predicted: "true ↓ / predicted →",
      q_kind_individuals: "individuals chart", q_kind_ewma: "EWMA chart", q_kind_cusum: "CUSUM chart",
      q_kind_xbar_r: "X-bar chart", q_rules_nelson: "Nelson rules", q_rules_western_electric: "Western Electric rules", q_rules_limit: "control-limit rule", q_rules_custom: "selected rules",
      q_in_control: "No rule violated: in control", q_lcl: "LCL", q_ucl: "UCL",
      q_class_none: "No defect", q_class_scale: "Scale", q_class_edge_crack: "Edge crack",
      q_class_surface_scratch: "Surface scratch", q_class_crazing: "Crazing", q_class_inclusion: "Inclusion",
      q_class_patches: "Patches", q_class_pitted: "Pitted surface", q_class_rolled: "Rolled-in scale",
      q_class_scratches: "Scratches"
    },
    ko: {
      brand: "베세머", fleet_title: "설비 현황",
      fleet_hint: "계획 기간 내 고장 위험도가 높은 순서로 정렬한 설비입니다.",
      rank: "순위", asset: "설비", name: "이름", kind: "종류", rul: "잔여 수명",
      health: "건전성", risk: "위험도", plan: "정비 계획", action: "조치", due: "기한",
      cost_now: "즉시 조치 비용", cost_wait: "대기 시 예상 비용", saving: "절감액", reason: "근거",
      "replace now": "즉시 교체", schedule: "정비 예약", monitor: "감시",
      total_cost: "총 예상 비용", horizon: "계획 기간",
      last_updated: "최종 갱신", preparing: "모델을 준비하고 있습니다…",
      sensor_trends: "센서 추이", rul_trajectory: "잔여 수명 추이",
      rul_hint: "선: 예측 잔여 수명, 띠: 예측 구간.", window: "표시 기간",
      all: "전체", back: "← 설비 현황", location: "위치", no_data: "데이터 없음",
      no_prediction: "이 설비의 예측이 아직 없습니다.", load_error: "데이터를 불러오지 못했습니다",
      not_found: "찾을 수 없음", asset_missing: "해당 설비가 없습니다.",
      unit_h: "시간", unit_cycle: "사이클", lang_button: "English", interval: "구간",
      process_title: "공정 감시",
      process_hint: "가동 중인 설비를 다변량 통계로 감시합니다: 호텔링 T², SPE, 이동 구간 통계량을 관리 한계와 비교합니다.",
      process_unit: "설비", state: "상태", state_normal: "정상", state_alarm: "경보",
      state_sensor_fault: "센서 이상", state_warming_up: "준비 중", diagnosis: "진단",
      unknown_fault: "미확인 고장", no_fault: "이상 없음", active_fault: "주입된 고장", none: "없음",
      probability: "확률", statistics: "감시 통계량",
      statistics_hint: "선: 통계량, 점선: 관리 한계, 빨간 점과 음영: 경보 샘플.",
      stat_hotelling: "호텔링 T²", stat_spe: "SPE (예측 오차 제곱)", stat_window: "이동 구간 통계량",
      limit: "한계", contributions: "주요 기여 변수 (최근 샘플)",
      contributions_hint: "최근 편차에서 각 변수가 차지하는 비율입니다. ▲ 정상보다 높음, ▼ 정상보다 낮음.",
      alarms: "경보 이력", start: "시작", end: "종료", active: "진행 중", kind_process: "공정", kind_sensor: "센서",
      top_variables: "주요 변수", no_alarms: "경보 없음",
      fault_injection: "고장 주입 (시뮬레이터)",
      fault_injection_hint: "운영자(operator) 권한의 API 토큰이 필요합니다. 토큰은 이 브라우저 탭에만 보관됩니다.",
      token: "API 토큰", fault: "고장", magnitude: "크기", inject: "주입", clear_fault: "해제",
      injected: "고장을 주입했습니다", cleared: "고장을 해제했습니다", nothing_to_clear: "진행 중인 고장이 없습니다",
      need_token: "먼저 운영자 토큰을 입력하세요.", refused: "요청이 거부되었습니다",
      /* energy page */
      energy_nav: "에너지", energy_title: "에너지·탄소", e_site: "사업장", e_period: "기간", e_tariff: "요금제",
      e_latest: "최근 15분 부하", e_accuracy: "익일 예측 정확도", e_last_bill: "최근 완결 월 전기요금",
      e_saving: "일정 최적화 절감액", e_scope_two_total: "Scope 2 배출량", e_load_title: "부하와 익일 예측",
      e_load_hint: "실선: 15분 계량 전력량(kWh), 점선과 띠: 매일 자정에 발행한 예측과 90% 예측 구간, 배경: 한전 시간대(경부하·중간부하·최대부하).",
      e_days: "일", band_light: "경부하", band_medium: "중간부하", band_maximum: "최대부하",
      e_bill_title: "월별 전기요금", e_month: "월", e_partial: "일부 기간", e_item: "항목", e_quantity: "수량",
      e_unit: "단위", e_rate: "단가", e_amount: "금액", e_notes: "비고와 출처",
      e_schedule_title: "생산 일정 (전기로 출강)",
      e_schedule_hint: "요금제로 가격을 매긴 향후 며칠간의 예시 제강 공장입니다. 평소 운영(현행)과 전력량요금·기본요금 합계가 가장 적은 일정을 비교합니다.",
      e_as_is_cost: "현행 비용", e_optimised_cost: "최적화 비용", e_solver: "최적화 솔버", e_optimised: "최적화",
      e_as_is: "현행", e_schedule_load: "15분 단위 공장 부하",
      e_schedule_load_hint: "실선: 최적화, 점선: 현행, 빨간 점선: 전력 한도.",
      e_ledger_title: "계량 전력의 탄소 장부", e_scope: "범위", e_factor: "배출계수",
      e_emissions: "배출량 (t)", e_status: "상태", e_source: "출처", e_scenarios_title: "탄소중립 경로",
      e_case: "사례", e_scenario: "시나리오", e_total_t: "총 배출량 (tCO2)", e_delta_t: "변화 (tCO2)",
      e_delta_pct: "변화율 (%)", e_cost_delta: "비용 변화",
      e_prices_hint: "비용 변화에 쓴 가격은 가정값이며 시세가 아닙니다.",
      e_effective: "시행일", e_contract: "계약전력", e_assumed: "가정",
      e_adder_fuel_cost_adjustment: "연료비조정단가", e_adder_climate_environment: "기후환경요금",
      e_won_per_kwh: "원/kWh", e_mae: "평균절대오차", e_coverage: "구간 적중률", e_nominal: "목표",
      e_no_full_month: "완결된 월이 아직 없습니다", e_grid_factor: "전력 배출계수", e_actual: "실측",
      e_forecast: "예측", e_subtotal: "전기요금계", e_vat: "부가가치세", e_fund: "전력산업기반기금",
      e_amount_billed: "청구금액", e_total: "합계", e_peak: "최대수요전력", e_billing_demand: "요금적용전력",
      e_of_total: "(총비용 대비)", e_energy: "전력량", e_demand: "기본요금", e_gap: "최적성 격차",
      e_grid_electricity: "계통 전력", scope_one: "Scope 1", scope_two: "Scope 2",
      scope_route: "공정 평균", scope_memo: "참고", e_baseline: "기준안", e_assumption: "가정값",
      status_confirmed: "확인됨", status_secondary: "2차 출처", status_derived: "산출값",
      status_unconfirmed: "미확인", status_assumption: "가정", status_optimal: "최적해",
      status_time_limit: "시간 제한 도달", status_feasible: "실행 가능", status_interrupted: "중단됨",
      /* quality page */
      quality_nav: "품질", quality_title: "품질", q_line: "라인", q_period: "예측한 코일",
      q_high_risk: "고위험 코일", q_model: "결함 예측 모델 (검증 코일)", q_surface: "오늘의 표면 영상",
      q_spc: "SPC 규칙 위반", q_risk_title: "결함 위험도 순 코일",
      q_risk_hint: "위험도: 코일에 결함이 있을 보정된 확률. 근거: 예측에 가장 크게 작용한 공정값 (↑ 예측 등급을 높임, ↓ 낮춤). 코일을 누르면 상세 정보를 봅니다.",
      q_coil: "코일", q_time: "권취 시각", q_predicted: "예측 결함", q_reasons: "주요 근거", q_actual: "검사 결과",
      q_coil_detail: "코일", q_probabilities: "등급별 확률", q_top_reasons: "가장 큰 근거",
      q_signals: "공정값", q_variable: "변수", q_value: "값",
      q_importance_title: "전체 결함에 영향을 주는 요인",
      q_importance_hint: "결함 예측에 대한 각 공정값의 평균 절대 기여도(SHAP)입니다.",
      q_images_title: "표면 검사 영상",
      q_images_hint: "오늘 촬영한 영상에 대한 영상 분류기의 판정입니다. 신뢰도가 기준보다 낮은 영상은 사람이 확인하도록 표시합니다.",
      q_confusion_title: "검증 데이터 혼동 행렬 (행: 실제 등급, 열: 예측 등급)",
      q_spc_title: "통계적 공정 관리 (SPC)",
      q_spc_hint: "선: 관리 통계량, 회색 실선: 중심선, 빨간 점선: 안정 구간에서 구한 관리 한계, 빨간 점: 규칙 위반.",
      q_threshold: "기준", q_accuracy: "정확도", q_macro_fscore: "매크로 F1", q_majority: "항상 '결함 없음'",
      q_trained_on: "학습", q_tested_on: "검증", q_for_a_person: "건 사람 확인 필요", q_images: "장",
      q_held_out_accuracy: "검증 정확도", q_charts: "개 관리도", q_raises: "예측 등급의 확률을 높임",
      q_lowers: "예측 등급의 확률을 낮춤", q_confidence: "신뢰도", q_needs_person: "사람 확인 필요",
      q_truth: "실제", q_threshold_person: "사람 확인 기준", q_true_predicted: "실제 ↓ / 예측 →",
      q_kind_individuals: "개별값 관리도", q_kind_ewma: "EWMA 관리도", q_kind_cusum: "CUSUM 관리도",
      q_kind_xbar_r: "X-bar 관리도", q_rules_nelson: "넬슨 규칙", q_rules_western_electric: "웨스턴 일렉트릭 규칙", q_rules_limit: "관리 한계 규칙", q_rules_custom: "선택한 규칙",
      q_in_control: "위반한 규칙 없음: 관리 상태", q_lcl: "관리하한", q_ucl: "관리상한",
      q_class_none: "결함 없음", q_class_scale: "스케일", q_class_edge_crack: "에지 크랙",
      q_class_surface_scratch: "표면 긁힘", q_class_crazing: "크레이징(미세 균열)", q_class_inclusion: "개재물",
      q_class_patches: "얼룩(패치)", q_class_pitted: "피팅(점 부식)", q_class_rolled: "압입 스케일",
      q_class_scratches: "스크래치"
    }
  };
  function pick() {
    var q = new URLSearchParams(window.location.search).get("lang");
    if (q === "en" || q === "ko") { try { localStorage.setItem("bessemer.lang", q); } catch (e) {} return q; }
    var saved = null;
    try { saved = localStorage.getItem("bessemer.lang"); } catch (e) {}
    if (saved === "en" || saved === "ko") return saved;
    var d = document.body.getAttribute("data-lang");
    return d === "ko" ? "ko" : "en";
  }
  var I18N = {
    strings: S,
    lang: "en",
    t: function (key) { var s = S[I18N.lang] || S.en; return s[key] !== undefined ? s[key] : (S.en[key] || key); },
    apply: function () {
      document.documentElement.setAttribute("lang", I18N.lang);
      var els = document.querySelectorAll("[data-i18n]");
      for (var i = 0; i < els.length; i++) { els[i].textContent = I18N.t(els[i].getAttribute("data-i18n")); }
      var b = document.getElementById("lang-toggle");
      if (b) b.textContent = I18N.t("lang_button");
      document.title = I18N.t("brand");
    },
    set: function (lang) {
      I18N.lang = lang;
      try { localStorage.setItem("bessemer.lang", lang); } catch (e) {}
      var url = new URL(window.location.href);
      url.searchParams.set("lang", lang);
      window.history.replaceState(null, "", url.toString());
      I18N.apply();
      if (I18N.onchange) I18N.onchange();
    }
  };
  I18N.lang = pick();
  window.I18N = I18N;
})();
