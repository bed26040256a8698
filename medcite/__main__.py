from medcite.cli import main

raise SystemExit(main())
