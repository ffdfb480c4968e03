from bhxh_signer.cli import main

main()
