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
      unit_h: "h", unit_cycle: "cycles", lang_button: "한국어", interval: "interval"
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
      unit_h: "시간", unit_cycle: "사이클", lang_button: "English", interval: "구간"
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
