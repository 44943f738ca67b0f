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
      need_token: "Type an operator token first.", refused: "The request was refused"
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
      need_token: "먼저 운영자 토큰을 입력하세요.", refused: "요청이 거부되었습니다"
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
