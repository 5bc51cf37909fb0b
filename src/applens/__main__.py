from applens.cli import main

main()
