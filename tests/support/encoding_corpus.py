"""Text in many encodings: what each path must decode exactly."""

TEXTS = {
    "ru": ["Открыть экран", "Закрыть экран", "Покупка подписки", "Оплата прошла успешно",
           "Ошибка при загрузке"],
    "ja": ["購入", "画面を開く", "画面を閉じる", "お気に入りに追加", "支払いが完了しました"],
    "zh": ["购买", "打开屏幕", "关闭屏幕", "添加到收藏夹", "付款已完成"],
    "ko": ["구매", "화면 열기", "화면 닫기", "즐겨찾기에 추가", "결제가 완료되었습니다"],
    "tr": ["Satın alma işlemi", "Ekranı aç", "Ödeme başarılı", "Şifre değiştirildi",
           "Giriş yapıldı"],
    "pl": ["Zakup subskrypcji", "Otwórz ekran", "Płatność zakończona", "Zmiana hasła",
           "Źródło ruchu"],
    "de": ["Kauf abgeschlossen", "Bildschirm öffnen", "Größe ändern", "Zahlung für Straße",
           "Übersicht"],
}

CASES = [
    ("ru", "cp1251"), ("ru", "koi8_r"), ("ja", "shift_jis"), ("zh", "gbk"), ("ko", "euc_kr"),
    ("tr", "cp1254"), ("pl", "iso-8859-2"), ("de", "cp1252"), ("ru", "utf-16"),
    ("ja", "utf-8-sig"),
]


def csv_text(language):
    return "ts,user_id,event\n" + "".join(
        f"2024-06-01 10:00:{i:02d},u{i},{text}\n" for i, text in enumerate(TEXTS[language]))
